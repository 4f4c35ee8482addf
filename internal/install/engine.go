package install

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ErrPartial is returned (wrapped) when keep-going installed a generation in which some
// secrets failed; the CLI exits 2 for it.
var ErrPartial = errors.New("some secrets could not be installed")

// Engine runs installs. The zero value is usable: real keys, the system's accounts, NixOS's
// /run/nixos lists.
type Engine struct {
	// NewDecrypter loads identities once per run; nil means the real one (NewDecrypter).
	NewDecrypter func(Identities) (Decrypter, error)
	Accounts     Accounts // nil: SystemAccounts
	// IgnorePasswd resolves nothing: every file is root:root (sops-nix -ignore-passwd).
	IgnorePasswd bool
	DryRun       bool
	// Systemd restarts units with systemctl instead of writing switch-to-configuration's
	// lists; Systemctl runs it (nil: the real systemctl).
	Systemd   bool
	Systemctl func(verb string, units []string) error
	// NixosRunDir holds activation-{restart,reload}-list (default /run/nixos); the lists are
	// only appended to when the directory exists, as switch-to-configuration creates it.
	NixosRunDir string
	Manifest    string       // recorded in the status, for hush status
	Log         *slog.Logger // progress and errors: names only, never values
	Now         func() time.Time
	// Fault is a test hook called at every step that changes the filesystem; the crash
	// tests make it SIGKILL the process at the n-th call. Nil in production.
	Fault func(point string)
}

// Result is what an install did, by name only.
type Result struct {
	Generation int
	Unchanged  bool // nothing changed: no new generation, nothing decrypted
	Added      []string
	Changed    []string
	Removed    []string
	Restart    []string
	Reload     []string
	Decrypted  int // source files decrypted this run
	Secrets    []SecretStatus
	// First is set when there was no previous symlink (first activation after boot).
	First bool

	quick *quickTree // what RecordQuick needs to skip the next unchanged run
}

// Failed lists the entries that are not ok.
func (r *Result) Failed() []SecretStatus {
	var out []SecretStatus
	for _, s := range r.Secrets {
		if s.State != StateOK {
			out = append(out, s)
		}
	}
	return out
}

func (e *Engine) fault(point string) {
	if e.Fault != nil {
		e.Fault(point)
	}
}

// fault2 is fault for a point named by two parts, joined only when a hook is set (the
// names of 10,000 file points are not built in production).
func (e *Engine) fault2(what, name string) {
	if e.Fault != nil {
		e.Fault(what + name)
	}
}

func (e *Engine) log() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now().UTC()
}

// Install runs plan -> decrypt -> stage -> switch -> report -> prune for cfg. The returned
// error wraps ErrPartial when keep-going installed a generation with failures; any other
// error means the visible secrets did not change.
func (e *Engine) Install(cfg *Config) (*Result, error) {
	if err := validateConfig(cfg); err != nil {
		return nil, err
	}
	accounts := e.Accounts
	if accounts == nil {
		accounts = SystemAccounts{}
	}
	p, err := e.plan(cfg, accounts)
	if err != nil {
		return nil, err
	}
	p.checkLinks()
	release, err := acquireLock(cfg.MountPoint)
	if err != nil {
		return nil, err
	}
	defer release()
	if !e.DryRun {
		if cfg.UserMode {
			fd, err := mkdirAllNoFollow(cfg.MountPoint, 0o751, nil)
			if err != nil {
				return nil, fmt.Errorf("mount point: %w", err)
			}
			unix.Close(fd)
		} else if err := ensureRAMFS(cfg.MountPoint, cfg.UseTmpfs, p.keysGID); err != nil {
			return nil, err
		}
	}
	prev, err := openPrevious(cfg)
	if err != nil {
		return nil, err
	}
	defer prev.close()

	readSources(p.files)
	var dec Decrypter
	newDec := e.NewDecrypter
	if newDec == nil {
		newDec = NewDecrypter
	}
	dec, decErr := newDec(cfg.Identities)
	var identities []string
	if decErr == nil {
		identities = dec.Describe()
	}
	digest := p.inputDigest(identities, e)
	if !e.DryRun && prev.indexed && prev.digest == digest && prev.allOK() {
		return e.unchanged(cfg, p, prev, identities)
	}

	p.decide(prev)
	decryptSources(p.files, dec, decErr)
	p.collect(prev, e.log())
	if cfg.Strict {
		if failed := p.failures(); len(failed) > 0 {
			return &Result{Secrets: p.statuses(e.now(), prev)}, fmt.Errorf("strict failure policy: nothing installed: %w", errors.Join(failed...))
		}
	}
	res := p.report(prev)
	res.First = !prev.existed
	res.Decrypted = p.decrypted()
	now := e.now()
	res.Secrets = p.statuses(now, prev)
	if e.DryRun {
		// switch-to-configuration dry-activate reads these lists (as sops-nix writes them).
		if prev.existed && !cfg.UserMode && !e.Systemd {
			if err := e.appendUnitLists("dry-activation", res.Restart, res.Reload); err != nil {
				return res, err
			}
		}
		return res, p.partialErr()
	}

	gen, err := e.stage(cfg, p, prev, res, digest, identities, now)
	if err != nil {
		return nil, err
	}
	res.Generation = gen
	res.quick = p.quickTree(cfg, gen, digest, identities)
	if err := e.switchTo(cfg, gen); err != nil {
		return nil, err
	}
	// The generation is live now; a custom link that fails here (someone changed the path
	// after checkLinks) makes the install partial, it does not undo the switch.
	linkErr := e.linkPaths(cfg, p, prev)
	if err := e.finishReport(cfg, gen, prev.existed, res.Restart, res.Reload); err != nil {
		return res, err
	}
	if err := e.prune(cfg, gen); err != nil {
		return res, err
	}
	if linkErr != nil {
		return res, fmt.Errorf("%w: %v", ErrPartial, linkErr)
	}
	return res, p.partialErr()
}

// unchanged handles a re-activation whose inputs equal the current generation's: nothing
// is decrypted and the generation stays; only custom links are repaired and a report that
// a crash interrupted is finished.
func (e *Engine) unchanged(cfg *Config, p *plan, prev *previous, identities []string) (*Result, error) {
	res := &Result{Generation: prev.gen, Unchanged: true}
	for _, en := range p.entries {
		if s := prev.byName[en.rel]; s != nil {
			res.Secrets = append(res.Secrets, *s)
			en.state = s.State
		}
	}
	res.quick = p.quickTree(cfg, prev.gen, prev.digest, identities)
	if err := e.linkPaths(cfg, p, prev); err != nil {
		return res, err
	}
	if err := e.resumeReport(cfg, prev); err != nil {
		return res, err
	}
	// A run killed after its switch may not have pruned.
	return res, e.prune(cfg, prev.gen)
}

// previous is the generation the symlink pointed at when the run began.
type previous struct {
	existed bool                     // the symlink existed (not first boot)
	gen     int                      // 0 when none of ours
	fd      int                      // directory fd, -1 when none
	indexed bool                     // digest and index were read
	digest  string                   // the generation's input digest
	byName  map[string]*SecretStatus // from the index: name, state, content key, change, link
	dirs    map[string]int           // parent directory fds of read (-1: unavailable)
}

func (p *previous) close() {
	if p.fd >= 0 {
		unix.Close(p.fd)
	}
	for _, fd := range p.dirs {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

func (p *previous) allOK() bool {
	for _, s := range p.byName {
		if s.State != StateOK {
			return false
		}
	}
	return true
}

func openPrevious(cfg *Config) (*previous, error) {
	prev := &previous{fd: -1, byName: map[string]*SecretStatus{}}
	target, err := os.Readlink(cfg.Symlink)
	if err != nil {
		if _, lerr := os.Lstat(cfg.Symlink); lerr == nil {
			return nil, fmt.Errorf("%s exists and is not a symlink: move it away (hush never deletes it)", cfg.Symlink)
		}
		return prev, nil
	}
	prev.existed = true
	if filepath.Dir(target) != filepath.Clean(cfg.MountPoint) {
		return prev, nil
	}
	n, ok := generationNumber(filepath.Base(target))
	if !ok {
		return prev, nil
	}
	fd, err := openDirNoFollow(target)
	if err != nil {
		return prev, nil // dangling: treat as no previous generation
	}
	prev.gen, prev.fd = n, fd
	if d, byName, ok := readMeta(fd); ok {
		prev.indexed, prev.digest, prev.byName = true, d, byName
	}
	return prev, nil
}

// openDir opens (once) the parent directory of rel in the previous generation, so that
// read can run concurrently without touching the cache.
func (p *previous) openDir(rel string) {
	i := strings.LastIndexByte(rel, '/')
	if p.fd < 0 || i < 0 {
		return
	}
	if p.dirs == nil {
		p.dirs = map[string]int{}
	}
	if _, ok := p.dirs[rel[:i]]; ok {
		return
	}
	fd, _, err := openParentNoFollow(p.fd, rel, false, 0, nil)
	if err != nil {
		fd = -1
	}
	p.dirs[rel[:i]] = fd
}

// linkable says whether the previous generation's file for en may be shared with the new
// generation by a hard link instead of copied. Sharing is safe only when no later write
// can change one generation's file through the other: hush never writes, chmods or chowns
// an existing file, so the only writers are the file's owner and those its mode lets
// write. A file owned by root with no group or other write bit (and no special bits) can
// be written only by root, who can write either generation directly anyway; and its owner
// and mode must already be the new entry's, so nothing about the inode changes. Files
// owned by anyone else are copied: their owner can chmod u+w and write.
func (p *previous) linkable(en *entry) bool {
	if en.uid != 0 || en.attrs.Mode&0o7022 != 0 {
		return false
	}
	dfd, base, ok := p.parentOf(en.rel)
	if !ok {
		return false
	}
	var st unix.Stat_t
	if unix.Fstatat(dfd, base, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
		return false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFREG && st.Uid == 0 && int(st.Gid) == en.gid && st.Mode&0o7777 == en.attrs.Mode
}

// stat is fstatat (no follow) of a regular file of the previous generation.
func (p *previous) stat(rel string) (unix.Stat_t, bool) {
	var st unix.Stat_t
	dfd, base, ok := p.parentOf(rel)
	if !ok || unix.Fstatat(dfd, base, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return st, false
	}
	return st, true
}

// parentOf returns the previous generation's directory fd holding rel, and rel's base name.
func (p *previous) parentOf(rel string) (int, string, bool) {
	if p.fd < 0 {
		return -1, "", false
	}
	i := strings.LastIndexByte(rel, '/')
	if i < 0 {
		return p.fd, rel, true
	}
	fd, ok := p.dirs[rel[:i]]
	if !ok {
		p.openDir(rel)
		fd = p.dirs[rel[:i]]
	}
	return fd, rel[i+1:], fd >= 0
}

// read returns the previous generation's bytes for a relative name, or false. It is safe
// for concurrent use once openDir has been called for rel.
func (p *previous) read(rel string) ([]byte, bool) {
	if p.fd < 0 {
		return nil, false
	}
	dfd := p.fd
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		fd, ok := p.dirs[rel[:i]]
		if !ok {
			p.openDir(rel)
			fd = p.dirs[rel[:i]]
		}
		if fd < 0 {
			return nil, false
		}
		dfd, rel = fd, rel[i+1:]
	}
	b, err := readFileAt(dfd, rel)
	if err != nil {
		return nil, false
	}
	return b, true
}

func sortedUnique(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
