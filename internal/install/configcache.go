package install

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hush-nix/hush/internal/template"
)

// The parsed-manifest cache. A re-activation with some source files changed must parse
// the manifest (for 10,000 secrets, ~30 ms of JSON parsing and validation: a fifth of the
// run) although the manifest itself rarely changes. The configs it yields are kept in the
// root-only quick-path directory in a compact encoding, keyed by the SHA-256 of the
// manifest's bytes and of everything else that changes their meaning (the codec version,
// the hush executable, $XDG_RUNTIME_DIR for user-mode paths). Any mismatch or decoding
// doubt means "parse it again". The cache holds paths, names and attributes, never a value.

// configCacheVersion changes whenever the encoding or the meaning of a Config field does.
const configCacheVersion = "hush-configs-1"

// CachedManifest is what the CLI needs of a parsed manifest besides its configs.
type CachedManifest struct {
	Configs []*Config
	// LogChanges is false when a sops-nix manifest turns logging.secretChanges off.
	LogChanges bool
	// GnupgSSHKeys is set when the manifest lists sops-nix's gnupg sshKeyPaths.
	GnupgSSHKeys bool
}

// configCachePath is the cache file for a manifest path ("" when there is no record dir).
func configCachePath(manifest string) string {
	qp := quickPath(manifest)
	if qp == "" {
		return ""
	}
	id := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(qp), "quick-"), ".json")
	return filepath.Join(filepath.Dir(qp), "configs-"+id+".bin")
}

// configCacheKey is the digest the cached entry must carry to be used for these bytes.
func configCacheKey(data []byte, env string) [sha256.Size]byte {
	exe, _ := os.Executable()
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", configCacheVersion, exe, env)
	h.Write(data)
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// CachedConfigs returns the configs stored for exactly these manifest bytes and env, if any.
func CachedConfigs(manifest string, data []byte, env string) (*CachedManifest, bool) {
	p := configCachePath(manifest)
	if p == "" {
		return nil, false
	}
	raw, err := readPrivate(p)
	if err != nil {
		return nil, false
	}
	key := configCacheKey(data, env)
	if len(raw) < len(key) || string(raw[:len(key)]) != string(key[:]) {
		return nil, false
	}
	cm, err := decodeCachedManifest(raw[len(key):])
	if err != nil {
		return nil, false
	}
	return cm, true
}

// StoreConfigs records the configs parsed from these manifest bytes for the next run.
func StoreConfigs(manifest string, data []byte, env string, cm *CachedManifest) error {
	p := configCachePath(manifest)
	if p == "" {
		return nil
	}
	key := configCacheKey(data, env)
	enc := append(key[:], encodeCachedManifest(cm)...)
	dfd, err := mkdirAllNoFollow(filepath.Dir(p), 0o700, nil)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer unix.Close(dfd)
	base := filepath.Base(p)
	// Per-process temporary name: concurrent runs (serialised only inside the engine) must
	// not rename each other's half-written file into place.
	tmp := fmt.Sprintf(".%s.%d.tmp", base, os.Getpid())
	if err := unix.Unlinkat(dfd, tmp, 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return err
	}
	if err := createFile(dfd, tmp, enc, fileSpec{Mode: 0o600, Umask: -1}); err != nil {
		_ = unix.Unlinkat(dfd, tmp, 0)
		return fmt.Errorf("state: %w", err)
	}
	if err := unix.Renameat(dfd, tmp, dfd, base); err != nil {
		_ = unix.Unlinkat(dfd, tmp, 0)
		return err
	}
	return nil
}

// readPrivate reads a record only this user could have written: the directory and the file
// (reached without following symlinks) must be owned by the effective user, the directory
// writable by nobody else, the file private. A forged config would tell root where to
// install what, so a record that anyone else could have planted is ignored.
func readPrivate(path string) ([]byte, error) {
	dfd, err := openDirNoFollow(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer unix.Close(dfd)
	euid := uint32(os.Geteuid())
	var st unix.Stat_t
	if err := unix.Fstat(dfd, &st); err != nil {
		return nil, err
	}
	if st.Uid != euid || st.Mode&0o022 != 0 {
		return nil, fmt.Errorf("%s: not a private directory of uid %d", filepath.Dir(path), euid)
	}
	fd, err := unix.Openat(dfd, filepath.Base(path), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Uid != euid || st.Mode&0o077 != 0 {
		return nil, fmt.Errorf("%s: not a private file of uid %d", path, euid)
	}
	return io.ReadAll(f)
}

// The encoding: uvarint-prefixed strings, uvarint counts with 0 meaning nil (so that nil
// and empty slices survive the round trip), varint integers, one byte per bool.

type cacheWriter struct{ b []byte }

func (w *cacheWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *cacheWriter) int(v int)     { w.b = binary.AppendVarint(w.b, int64(v)) }
func (w *cacheWriter) str(s string)  { w.uint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *cacheWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}
func (w *cacheWriter) count(n int, isNil bool) {
	if isNil {
		w.uint(0)
		return
	}
	w.uint(uint64(n) + 1)
}
func (w *cacheWriter) strs(v []string) {
	w.count(len(v), v == nil)
	for _, s := range v {
		w.str(s)
	}
}
func (w *cacheWriter) owner(o Owner) { w.str(o.Name); w.int(o.ID) }
func (w *cacheWriter) attrs(a *Attrs) {
	w.str(a.Path)
	w.owner(a.Owner)
	w.owner(a.Group)
	w.uint(uint64(a.Mode))
	w.strs(a.RestartUnits)
	w.strs(a.ReloadUnits)
}

func encodeCachedManifest(cm *CachedManifest) []byte {
	w := &cacheWriter{b: make([]byte, 0, 64*1024)}
	w.bool(cm.LogChanges)
	w.bool(cm.GnupgSSHKeys)
	w.count(len(cm.Configs), cm.Configs == nil)
	for _, c := range cm.Configs {
		w.str(c.MountPoint)
		w.str(c.Symlink)
		w.int(c.KeepGenerations)
		w.bool(c.UseTmpfs)
		w.bool(c.UserMode)
		w.bool(c.Strict)
		w.str(c.Identities.AgeKeyFile)
		w.strs(c.Identities.SSHKeyPaths)
		w.str(c.Identities.GnuPGHome)
		w.strs(c.HostRecipients)
		w.count(len(c.Secrets), c.Secrets == nil)
		for i := range c.Secrets {
			s := &c.Secrets[i]
			w.str(s.Name)
			w.str(string(s.Kind))
			w.str(s.File)
			w.str(s.Format)
			w.count(len(s.Key), s.Key == nil)
			for _, k := range s.Key {
				switch k := k.(type) {
				case int:
					w.b = append(w.b, 'i')
					w.int(k)
				case string:
					w.b = append(w.b, 's')
					w.str(k)
				default: // not produced by manifest.ParseKey; never cached
					w.b = append(w.b, '?')
				}
			}
			w.attrs(&s.Attrs)
		}
		w.count(len(c.Templates), c.Templates == nil)
		// All templates of a config share one renderer (configOf): stored once.
		var r *template.Renderer
		for i := range c.Templates {
			if c.Templates[i].Renderer != nil {
				r = c.Templates[i].Renderer
			}
		}
		w.bool(r != nil)
		if r != nil {
			o := r.Options()
			w.bool(o.Hush)
			w.uint(uint64(len(o.Literals)))
			for lit, name := range o.Literals {
				w.str(lit)
				w.str(name)
			}
		}
		for i := range c.Templates {
			t := &c.Templates[i]
			w.str(t.Name)
			w.str(t.Content)
			w.str(t.File)
			w.bool(t.Renderer != nil)
			w.attrs(&t.Attrs)
		}
	}
	return w.b
}

var errCache = errors.New("config cache: malformed")

// cacheReader decodes; strings are substrings of one copy of the input (no allocation per
// field). Any malformation sets err and yields zero values.
type cacheReader struct {
	s   string
	err error
}

// uint reads what binary.AppendUvarint wrote.
func (r *cacheReader) uint() uint64 {
	var v uint64
	for shift := uint(0); r.err == nil; shift += 7 {
		if len(r.s) == 0 || shift > 63 {
			r.err = errCache
			break
		}
		b := r.s[0]
		r.s = r.s[1:]
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v
		}
	}
	return 0
}

// int reads what binary.AppendVarint wrote (zig-zag).
func (r *cacheReader) int() int {
	u := r.uint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return int(v)
}
func (r *cacheReader) byte() byte {
	if r.err != nil || len(r.s) == 0 {
		r.err = errCache
		return 0
	}
	b := r.s[0]
	r.s = r.s[1:]
	return b
}
func (r *cacheReader) bool() bool { return r.byte() == 1 }
func (r *cacheReader) str() string {
	n := r.uint()
	if r.err != nil || n > uint64(len(r.s)) {
		r.err = errCache
		return ""
	}
	v := r.s[:n]
	r.s = r.s[n:]
	return v
}

// count returns (n, isNil); n is bounded by the bytes left (every element takes one).
func (r *cacheReader) count() (int, bool) {
	v := r.uint()
	if r.err != nil || v > uint64(len(r.s))+1 {
		r.err = errCache
		return 0, true
	}
	if v == 0 {
		return 0, true
	}
	return int(v - 1), false
}
func (r *cacheReader) strs() []string {
	n, isNil := r.count()
	if isNil {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}
func (r *cacheReader) owner() Owner { return Owner{Name: r.str(), ID: r.int()} }
func (r *cacheReader) attrs(a *Attrs) {
	a.Path = r.str()
	a.Owner = r.owner()
	a.Group = r.owner()
	a.Mode = uint32(r.uint())
	a.RestartUnits = r.strs()
	a.ReloadUnits = r.strs()
}

func decodeCachedManifest(data []byte) (*CachedManifest, error) {
	r := &cacheReader{s: string(data)}
	cm := &CachedManifest{LogChanges: r.bool(), GnupgSSHKeys: r.bool()}
	n, isNil := r.count()
	if !isNil {
		cm.Configs = make([]*Config, 0, n)
	}
	for ; n > 0 && r.err == nil; n-- {
		c := &Config{MountPoint: r.str(), Symlink: r.str(), KeepGenerations: r.int(), UseTmpfs: r.bool(), UserMode: r.bool(), Strict: r.bool()}
		c.Identities = Identities{AgeKeyFile: r.str(), SSHKeyPaths: r.strs(), GnuPGHome: r.str()}
		c.HostRecipients = r.strs()
		ns, isNil := r.count()
		if !isNil {
			c.Secrets = make([]Secret, ns)
		}
		for i := range c.Secrets {
			s := &c.Secrets[i]
			s.Name, s.Kind, s.File, s.Format = r.str(), SourceKind(r.str()), r.str(), r.str()
			nk, isNil := r.count()
			if !isNil {
				s.Key = make([]any, nk)
			}
			for j := range s.Key {
				switch r.byte() {
				case 'i':
					s.Key[j] = r.int()
				case 's':
					s.Key[j] = r.str()
				default:
					r.err = errCache
				}
			}
			r.attrs(&s.Attrs)
			if r.err != nil {
				return nil, r.err
			}
		}
		nt, isNil := r.count()
		if !isNil {
			c.Templates = make([]Template, nt)
		}
		var renderer *template.Renderer
		if r.bool() {
			o := template.Options{Hush: r.bool()}
			nl := r.uint()
			if r.err != nil || nl > uint64(len(r.s)) {
				return nil, errCache
			}
			o.Literals = make(map[string]string, nl)
			for ; nl > 0; nl-- {
				lit := r.str()
				o.Literals[lit] = r.str()
			}
			if r.err != nil {
				return nil, r.err
			}
			var err error
			if renderer, err = template.New(o); err != nil {
				return nil, errCache
			}
		}
		for i := range c.Templates {
			t := &c.Templates[i]
			t.Name, t.Content, t.File = r.str(), r.str(), r.str()
			if r.bool() {
				t.Renderer = renderer
			}
			r.attrs(&t.Attrs)
		}
		cm.Configs = append(cm.Configs, c)
	}
	if r.err != nil || len(r.s) != 0 {
		return nil, errCache
	}
	return cm, nil
}
