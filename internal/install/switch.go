package install

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// switchTo points the symlink at generation gen with one rename.
func (e *Engine) switchTo(cfg *Config, gen int) error {
	target := filepath.Join(cfg.MountPoint, strconv.Itoa(gen))
	if err := e.atomicSymlink(cfg.Symlink, target, nil); err != nil {
		return fmt.Errorf("switching %s: %w", cfg.Symlink, err)
	}
	e.fault("switched")
	return nil
}

// atomicSymlink makes link point at target: a symlink under a fresh temporary name in the
// same directory, optionally lchown'ed, then renamed over link. Readers see the old or the
// new target, never no link. An existing non-symlink at link is an error, never removed.
func (e *Engine) atomicSymlink(link, target string, own *[2]int) error {
	dir, base := filepath.Split(link)
	pfd, err := mkdirAllNoFollow(dir, 0o755, nil)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	var st unix.Stat_t
	if err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil {
		if st.Mode&unix.S_IFMT != unix.S_IFLNK {
			return fmt.Errorf("%s exists and is not a symlink: hush never deletes it; move it away", link)
		}
		if cur, err := readlinkat(pfd, base); err == nil && cur == target && (own == nil || (int(st.Uid) == own[0] && int(st.Gid) == own[1])) {
			return nil
		}
	}
	// A fixed temporary name (we hold the lock): a leftover of a killed run is replaced
	// here instead of accumulating.
	tmp := "." + base + ".hush-tmp"
	if err := unix.Unlinkat(pfd, tmp, 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("removing leftover %s: %w", filepath.Join(dir, tmp), err)
	}
	if err := unix.Symlinkat(target, pfd, tmp); err != nil {
		return fmt.Errorf("symlink %s: %w", filepath.Join(dir, tmp), err)
	}
	if own != nil {
		if err := unix.Fchownat(pfd, tmp, own[0], own[1], unix.AT_SYMLINK_NOFOLLOW); err != nil {
			_ = unix.Unlinkat(pfd, tmp, 0)
			return fmt.Errorf("lchown %s: %w", link, err)
		}
	}
	e.fault2("rename ", link)
	if err := unix.Renameat(pfd, tmp, pfd, base); err != nil {
		_ = unix.Unlinkat(pfd, tmp, 0)
		return fmt.Errorf("rename to %s: %w", link, err)
	}
	return nil
}

func readlinkat(dirfd int, name string) (string, error) {
	buf := make([]byte, 4096)
	n, err := unix.Readlinkat(dirfd, name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// checkLinks fails, before anything is staged, the entries whose custom path is occupied
// by something that is not a symlink (a regular file there is someone's data).
func (p *plan) checkLinks() {
	for _, en := range p.entries {
		if en.link == "" {
			continue
		}
		if dir := symlinkedParent(filepath.Dir(en.link)); dir != "" {
			en.fail(fmt.Errorf("path %s: %s is a symlink: %w", en.link, dir, ErrSymlink))
			continue
		}
		fi, err := os.Lstat(en.link)
		if err == nil && fi.Mode()&os.ModeSymlink == 0 {
			en.fail(fmt.Errorf("%s exists and is not a symlink: hush never deletes it; move it away", en.link))
		}
	}
}

// symlinkedParent returns the first existing component of dir that is a symlink, or "".
func symlinkedParent(dir string) string {
	p := "/"
	for _, comp := range strings.Split(filepath.Clean(dir), "/") {
		if comp == "" {
			continue
		}
		p = filepath.Join(p, comp)
		fi, err := os.Lstat(p)
		if err != nil {
			return ""
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return p
		}
	}
	return ""
}

// linkPaths makes every custom path a symlink to the entry's file under the stable
// symlink (so later switches need not touch it, as sops-nix does), owned like the secret,
// and removes custom links the previous generation had and this one does not.
func (e *Engine) linkPaths(cfg *Config, p *plan, prev *previous) error {
	var errs []error
	want := map[string]bool{}
	for _, en := range p.entries {
		if en.link == "" || en.state == StateFailed {
			continue
		}
		want[en.link] = true
		var own *[2]int
		if !cfg.UserMode {
			own = &[2]int{en.uid, en.gid}
		}
		if err := e.atomicSymlink(en.link, filepath.Join(cfg.Symlink, en.rel), own); err != nil {
			errs = append(errs, fmt.Errorf("%s: path %s: %w", en.what(), en.link, err))
		}
	}
	if prev.indexed {
		for _, old := range prev.byName {
			if old.Link == "" || want[old.Link] {
				continue
			}
			if err := removeOurLink(cfg, old.Link); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// removeOurLink removes a stale custom link only when it is still a symlink into our tree.
func removeOurLink(cfg *Config, link string) error {
	dir, base := filepath.Split(link)
	pfd, err := openDirNoFollow(dir)
	if err != nil {
		return nil // parent gone or not ours to walk: nothing to remove
	}
	defer unix.Close(pfd)
	cur, err := readlinkat(pfd, base)
	if err != nil {
		return nil
	}
	if !strings.HasPrefix(cur, filepath.Clean(cfg.Symlink)+"/") && !strings.HasPrefix(cur, filepath.Clean(cfg.MountPoint)+"/") {
		return nil // somebody else's link now
	}
	if err := unix.Unlinkat(pfd, base, 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("removing stale link %s: %w", link, err)
	}
	return nil
}
