package install

import (
	"fmt"
	"path"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// reportPending marks a generation whose restart/reload lists are not written yet: a crash
// between the switch and the report leaves it, and the next run finishes the report.
const reportPending = "report-pending"

// stage writes a new generation directory next to the current one and returns its number.
// Nothing visible changes: the symlink still points at the previous generation.
func (e *Engine) stage(cfg *Config, p *plan, prev *previous, res *Result, digest string, identities []string, now time.Time) (int, error) {
	mfd, err := openDirNoFollow(cfg.MountPoint)
	if err != nil {
		return 0, fmt.Errorf("mount point: %w", err)
	}
	defer unix.Close(mfd)
	names, err := readDirNames(mfd)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", cfg.MountPoint, err)
	}
	// Numbers are never reused: a leftover of a crashed run may sit at prev+1.
	gen := prev.gen + 1
	for _, n := range names {
		if g, ok := generationNumber(n); ok && g >= gen {
			gen = g + 1
		}
	}
	var dirOwn *[2]int
	chown := !cfg.UserMode
	if chown {
		dirOwn = &[2]int{0, p.keysGID}
	}
	e.fault("mkdir generation")
	gfd, err := mkdirat(mfd, strconv.Itoa(gen), 0o751, dirOwn)
	if err != nil {
		return 0, fmt.Errorf("creating generation %d: %w", gen, err)
	}
	defer unix.Close(gfd)

	umask := processUmask()
	dirs := map[string]int{".": gfd}
	defer func() {
		for k, fd := range dirs {
			if k != "." {
				unix.Close(fd)
			}
		}
	}()
	for _, en := range p.entries {
		if en.state == StateFailed {
			continue
		}
		dir, base := path.Split(en.rel)
		dfd, ok := dirs[path.Clean("./"+dir)]
		if !ok {
			e.fault2("mkdir ", dir)
			var err error
			dfd, _, err = openParentNoFollow(gfd, en.rel, true, 0o751, dirOwn)
			if err != nil {
				return 0, fmt.Errorf("generation %d: %s: %w", gen, en.what(), err)
			}
			dirs[path.Clean("./"+dir)] = dfd
		}
		e.fault2("file ", en.rel)
		if en.shared {
			if ofd, obase, ok := prev.parentOf(en.rel); ok {
				if err := unix.Linkat(ofd, obase, dfd, base, 0); err == nil {
					continue
				}
			}
			// The old file went away: write the bytes (read now if not yet).
			if en.value == nil {
				b, ok := prev.read(en.rel)
				if !ok {
					return 0, fmt.Errorf("generation %d: %s: previous file vanished", gen, en.what())
				}
				en.value = b
			}
		}
		spec := fileSpec{UID: en.uid, GID: en.gid, Mode: en.attrs.Mode, Chown: chown, Umask: umask}
		if err := createFile(dfd, base, en.value, spec); err != nil {
			return 0, fmt.Errorf("generation %d: %s: %w", gen, en.what(), err)
		}
	}

	st := &Status{
		Version: statusVersion, Generation: gen, Created: now, Manifest: e.Manifest,
		InputDigest: digest, Files: map[string]string{}, Identities: identities,
		Secrets: res.Secrets,
	}
	if prev.existed {
		st.Restart, st.Reload = res.Restart, res.Reload
	}
	for _, f := range p.files {
		if f.readErr == nil {
			st.Files[f.path] = f.digest
		}
	}
	data, err := encodeStatus(st)
	if err != nil {
		return 0, err
	}
	e.fault("mkdir meta")
	metaFD, err := mkdirat(gfd, metaDir, 0o700, ownRoot(chown))
	if err != nil {
		return 0, fmt.Errorf("generation %d: %s: %w", gen, metaDir, err)
	}
	defer unix.Close(metaFD)
	rootOnly := fileSpec{Mode: 0o600, Chown: chown, Umask: umask}
	if len(st.Restart)+len(st.Reload) > 0 {
		e.fault("report marker")
		if err := createFile(metaFD, reportPending, encodeUnits(st.Restart, st.Reload), rootOnly); err != nil {
			return 0, fmt.Errorf("generation %d: %w", gen, err)
		}
	}
	e.fault("index")
	if err := createFile(metaFD, indexFile, encodeIndex(st.Secrets), rootOnly); err != nil {
		return 0, fmt.Errorf("generation %d: index: %w", gen, err)
	}
	e.fault("digest")
	if err := createFile(metaFD, digestFile, []byte(digest), rootOnly); err != nil {
		return 0, fmt.Errorf("generation %d: digest: %w", gen, err)
	}
	e.fault("status")
	if err := createFile(metaFD, "status.json", data, rootOnly); err != nil {
		return 0, fmt.Errorf("generation %d: status: %w", gen, err)
	}
	return gen, nil
}

func ownRoot(chown bool) *[2]int {
	if !chown {
		return nil
	}
	return &[2]int{0, 0}
}
