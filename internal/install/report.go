package install

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// finishReport hands the units to restart and reload to whoever restarts them, after the
// switch (a unit restarted earlier would read the old secret). On first activation (no
// previous symlink) nothing is requested: units start afterwards with the new secrets, as
// with sops-nix.
func (e *Engine) finishReport(cfg *Config, gen int, existed bool, restart, reload []string) error {
	if !existed || len(restart)+len(reload) == 0 {
		return nil
	}
	if cfg.UserMode && !e.Systemd {
		return nil // switch-to-configuration's lists are the system's (sops-nix skips them too)
	}
	if e.Systemd {
		run := e.Systemctl
		if run == nil {
			run = systemctl
		}
		if err := run("try-restart", restart); err != nil {
			return err
		}
		if err := run("try-reload-or-restart", reload); err != nil {
			return err
		}
	} else {
		if err := e.appendUnitLists("activation", restart, reload); err != nil {
			return err
		}
	}
	e.fault("report written")
	gfd, err := openDirNoFollow(filepath.Join(cfg.MountPoint, strconv.Itoa(gen), metaDir))
	if err != nil {
		return err
	}
	defer unix.Close(gfd)
	if err := unix.Unlinkat(gfd, reportPending, 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return err
	}
	return nil
}

// appendUnitLists appends to <NixosRunDir>/<prefix>-{restart,reload}-list.
func (e *Engine) appendUnitLists(prefix string, restart, reload []string) error {
	dir := e.NixosRunDir
	if dir == "" {
		dir = "/run/nixos"
	}
	if err := appendLines(filepath.Join(dir, prefix+"-restart-list"), restart); err != nil {
		return err
	}
	return appendLines(filepath.Join(dir, prefix+"-reload-list"), reload)
}

// resumeReport finishes the report of a generation whose run died after the switch.
func (e *Engine) resumeReport(cfg *Config, prev *previous) error {
	mfd, err := openatDir(prev.fd, metaDir)
	if err != nil {
		return nil
	}
	defer unix.Close(mfd)
	units, err := readFileAt(mfd, reportPending)
	if err != nil {
		return nil
	}
	restart, reload := decodeUnits(units)
	return e.finishReport(cfg, prev.gen, true, restart, reload)
}

// appendLines appends one unit per line, as switch-to-configuration reads them; a missing
// directory means no switch-to-configuration is waiting (boot), so nothing is written.
func appendLines(file string, units []string) error {
	if len(units) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Dir(file)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY|os.O_CREATE|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("unit list: %w", err)
	}
	if _, err := f.WriteString(strings.Join(units, "\n") + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("unit list %s: %w", file, err)
	}
	return f.Close()
}

func systemctl(verb string, units []string) error {
	if len(units) == 0 {
		return nil
	}
	// --no-block: the install unit runs early; waiting for a normal service could deadlock.
	args := append([]string{"--no-block", verb}, units...)
	if out, err := exec.Command("systemctl", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("systemctl %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// prune removes generations older than the newest keep (0 keeps all) and any generation
// newer than the current one: those are leftovers of crashed runs (we hold the lock).
func (e *Engine) prune(cfg *Config, current int) error {
	mfd, err := openDirNoFollow(cfg.MountPoint)
	if err != nil {
		return err
	}
	defer unix.Close(mfd)
	names, err := readDirNames(mfd)
	if err != nil {
		return err
	}
	for _, n := range names {
		g, ok := generationNumber(n)
		if !ok || g == current {
			continue
		}
		if g > current || (cfg.KeepGenerations > 0 && g <= current-cfg.KeepGenerations) {
			e.fault2("prune ", n)
			if err := removeAllAt(mfd, n); err != nil {
				return fmt.Errorf("pruning generation %s: %w", n, err)
			}
		}
	}
	return nil
}

// listFiles lists regular files under dirfd as slash paths (for generations without a
// status, e.g. written by sops-nix), skipping hush's metadata.
func listFiles(dirfd int, prefix string) []string {
	names, err := readDirNames(dirfd)
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range names {
		if prefix == "" && n == metaDir {
			continue
		}
		var st unix.Stat_t
		if unix.Fstatat(dirfd, n, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
			continue
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			out = append(out, prefix+n)
		case unix.S_IFDIR:
			if fd, err := openatDir(dirfd, n); err == nil {
				out = append(out, listFiles(fd, prefix+n+"/")...)
				unix.Close(fd)
			}
		}
	}
	return out
}
