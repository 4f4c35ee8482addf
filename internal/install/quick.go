package install

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The quick path: most activations change nothing, and for 10,000 secrets parsing the
// manifest and the previous status alone costs more than the whole no-op budget. So after
// each complete install hush records, in a root-only state file keyed by the manifest's
// path, the exact inputs of that install: the manifest's bytes (digest), the engine
// options, the user and group databases, every source and template file (SHA-256 of the
// bytes, never metadata: Nix store files all have mtime 1 and an inode can be reused), the
// identities' public parts, and the generation each tree's symlink points at with its
// input digest. The next run compares all of them before parsing anything; equal inputs
// mean an equal parsed manifest and so an equal generation, which is left as it is.
// Any difference, or any doubt (no record, unreadable file, symlink moved, a report still
// pending, a custom link changed), falls back to the full path.

// digestFile holds a generation's input digest alone, so the quick path need not read the
// (large) status.json.
const digestFile = "digest"

const quickVersion = 1

type quickRecord struct {
	Version     int         `json:"version"`
	ManifestSHA string      `json:"manifestSha256"`
	Options     string      `json:"options"`
	Accounts    string      `json:"accounts,omitempty"`
	Trees       []quickTree `json:"trees"`
}

type quickTree struct {
	Symlink    string            `json:"symlink"`
	MountPoint string            `json:"mountPoint"`
	Generation int               `json:"generation"`
	Digest     string            `json:"digest"`
	Files      map[string]string `json:"-"`
	// FileList is Files as "digest path" lines: a 1,000-entry JSON object costs more to
	// decode than the rest of the quick path.
	FileList   string            `json:"files"`
	Links      map[string]string `json:"links,omitempty"`
	Identities Identities        `json:"identities"`
	PublicIDs  []string          `json:"publicIdentities"`
	UserMode   bool              `json:"userMode,omitempty"`
}

func (p *plan) quickTree(cfg *Config, gen int, digest string, ids []string) *quickTree {
	q := &quickTree{Symlink: cfg.Symlink, MountPoint: cfg.MountPoint, Generation: gen, Digest: digest,
		Files: map[string]string{}, Links: map[string]string{}, Identities: cfg.Identities, PublicIDs: ids, UserMode: cfg.UserMode}
	for _, f := range p.files {
		if f.readErr != nil {
			return nil // an unreadable source: never skip the next run
		}
		q.Files[f.path] = f.digest
	}
	for _, t := range cfg.Templates {
		if t.Content == "" && t.File != "" {
			d, err := fileSHA(t.File)
			if err != nil {
				return nil
			}
			q.Files[t.File] = d
		}
	}
	for _, en := range p.entries {
		if en.state != StateOK {
			return nil
		}
		if en.link != "" {
			q.Links[en.link] = filepath.Join(cfg.Symlink, en.rel)
		}
	}
	return q
}

// QuickOptions are the settings besides the manifest that decide an install's result.
type QuickOptions struct {
	Manifest string // path as given
	Data     []byte // the manifest's bytes
	// Env is whatever outside the manifest changes its meaning (e.g. $XDG_RUNTIME_DIR in
	// user mode, the CLI flags).
	Env string
}

func (e *Engine) quickOptions(o QuickOptions) string {
	return fmt.Sprint(quickVersion, e.IgnorePasswd, e.Systemd, e.NixosRunDir, o.Env)
}

// quickPath is where the record for a manifest lives: $XDG_RUNTIME_DIR/hush when set,
// else /run/hush for root; "" when there is no such place. Both are RAM filesystems.
func quickPath(manifest string) string {
	abs, err := filepath.Abs(manifest)
	if err != nil {
		return ""
	}
	dir := "/run/hush"
	if rd := os.Getenv("XDG_RUNTIME_DIR"); rd != "" && filepath.IsAbs(rd) {
		dir = filepath.Join(rd, "hush")
	} else if os.Geteuid() != 0 {
		return ""
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(dir, "quick-"+hex.EncodeToString(sum[:12])+".json")
}

// Unchanged reports whether the manifest's last complete install is still exactly what
// it would install now; when it is, nothing needs to be done (not even parsing the
// manifest). It returns one Result per tree. Any error means "not known": do the full run.
func (e *Engine) Unchanged(o QuickOptions) ([]*Result, bool) {
	qp := quickPath(o.Manifest)
	if qp == "" || e.DryRun {
		return nil, false
	}
	raw, err := readPrivate(qp)
	if err != nil {
		return nil, false
	}
	var rec quickRecord
	if json.Unmarshal(raw, &rec) != nil || rec.Version != quickVersion {
		return nil, false
	}
	if rec.Options != e.quickOptions(o) || rec.Accounts != e.accountsDigest(rec.Trees) {
		return nil, false
	}
	// The manifest's digest (3 MB for 10,000 secrets) is computed while the source files
	// are read; the answer needs both.
	manifestOK := make(chan bool, 1)
	go func() {
		sum := sha256.Sum256(o.Data)
		manifestOK <- rec.ManifestSHA == hex.EncodeToString(sum[:])
	}()
	res, ok := e.unchangedTrees(rec)
	return res, <-manifestOK && ok
}

func (e *Engine) unchangedTrees(rec quickRecord) ([]*Result, bool) {
	newDec := e.NewDecrypter
	if newDec == nil {
		newDec = NewDecrypter
	}
	var out []*Result
	for i := range rec.Trees {
		t := &rec.Trees[i]
		if !t.stillCurrent() {
			return nil, false
		}
		var files []*sourceFile
		var want []string
		for _, l := range strings.Split(t.FileList, "\n") {
			digest, path, ok := strings.Cut(l, " ")
			if !ok {
				continue
			}
			files = append(files, &sourceFile{path: path})
			want = append(want, digest)
		}
		if !hashFiles(files, want) {
			return nil, false
		}
		dec, err := newDec(t.Identities)
		if err != nil || fmt.Sprint(dec.Describe()) != fmt.Sprint(t.PublicIDs) {
			return nil, false
		}
		out = append(out, &Result{Generation: t.Generation, Unchanged: true})
	}
	return out, true
}

// stillCurrent checks that the symlink points at the recorded generation, whose digest is
// the recorded one, with no report pending, and that every custom link is in place.
func (t *quickTree) stillCurrent() bool {
	gen := filepath.Join(t.MountPoint, strconv.Itoa(t.Generation))
	if cur, err := os.Readlink(t.Symlink); err != nil || cur != gen {
		return false
	}
	fd, err := openDirNoFollow(filepath.Join(gen, metaDir))
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	d, err := readFileAt(fd, digestFile)
	if err != nil || string(d) != t.Digest {
		return false
	}
	var st unix.Stat_t
	if unix.Fstatat(fd, reportPending, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
		return false
	}
	for link, target := range t.Links {
		if cur, err := os.Readlink(link); err != nil || cur != target {
			return false
		}
	}
	return true
}

// accountsDigest covers /etc/passwd and /etc/group when names are resolved through them.
func (e *Engine) accountsDigest(trees []quickTree) string {
	if e.IgnorePasswd {
		return ""
	}
	all := true
	for _, t := range trees {
		all = all && t.UserMode
	}
	if all && len(trees) > 0 {
		return ""
	}
	h := sha256.New()
	for _, f := range []string{"/etc/passwd", "/etc/group"} {
		b, _ := os.ReadFile(f)
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RecordQuick stores what the next run needs to recognise an unchanged manifest. Call it
// only after every tree of the manifest installed completely (no failure): a partial
// install must be retried.
func (e *Engine) RecordQuick(o QuickOptions, results []*Result) error {
	qp := quickPath(o.Manifest)
	if qp == "" || e.DryRun {
		return nil
	}
	sum := sha256.Sum256(o.Data)
	rec := quickRecord{Version: quickVersion, ManifestSHA: hex.EncodeToString(sum[:]), Options: e.quickOptions(o)}
	for _, r := range results {
		if r == nil || r.quick == nil {
			_ = os.Remove(qp)
			return nil
		}
		t := *r.quick
		var b strings.Builder
		for path, d := range t.Files {
			b.WriteString(d + " " + path + "\n")
		}
		t.FileList = b.String()
		rec.Trees = append(rec.Trees, t)
	}
	rec.Accounts = e.accountsDigest(rec.Trees)
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	dfd, err := mkdirAllNoFollow(filepath.Dir(qp), 0o700, nil)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer unix.Close(dfd)
	base := filepath.Base(qp)
	tmp := "." + base + ".tmp"
	if err := unix.Unlinkat(dfd, tmp, 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return err
	}
	if err := createFile(dfd, tmp, data, fileSpec{Mode: 0o600, Umask: -1}); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return unix.Renameat(dfd, tmp, dfd, base)
}

func fileSHA(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
