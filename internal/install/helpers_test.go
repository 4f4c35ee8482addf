package install

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeDecrypter stands in for sopsfile+keys: a "ciphertext" is a JSON object of string
// values; the text FAIL makes decryption fail. It counts Open calls (decrypt-once checks).
type fakeDecrypter struct{ opens *atomic.Int64 }

func (fakeDecrypter) Describe() []string { return []string{"fake-identity"} }

func (d fakeDecrypter) Open(kind SourceKind, path, format string, data []byte) (Opened, error) {
	if d.opens != nil {
		d.opens.Add(1)
	}
	if bytes.HasPrefix(data, []byte("FAIL")) {
		return nil, fmt.Errorf("%s: no matching identity", path)
	}
	if kind != SourceSops {
		return wholeValue(data), nil
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: not a fake sops file", path)
	}
	return fakeOpened(m), nil
}

type fakeOpened map[string]string

func (f fakeOpened) Value(key []any) ([]byte, error) {
	v, ok := f[keyString(key)]
	if !ok {
		return nil, fmt.Errorf("the key %q cannot be found", keyString(key))
	}
	return []byte(v), nil
}

// testTree is one test's private root: mount point, symlink, nixos run dir, sources.
type testTree struct {
	t     *testing.T
	root  string
	opens atomic.Int64
}

func newTree(t *testing.T) *testTree {
	t.Helper()
	needNamespace(t)
	tr := &testTree{t: t, root: t.TempDir()}
	for _, d := range []string{"run/nixos", "src"} {
		if err := os.MkdirAll(filepath.Join(tr.root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { unmountAll(tr.mount()) })
	return tr
}

func (tr *testTree) mount() string   { return filepath.Join(tr.root, "run/secrets.d") }
func (tr *testTree) symlink() string { return filepath.Join(tr.root, "run/secrets") }

func (tr *testTree) engine() *Engine {
	return &Engine{
		NewDecrypter: func(Identities) (Decrypter, error) { return fakeDecrypter{opens: &tr.opens}, nil },
		NixosRunDir:  filepath.Join(tr.root, "run/nixos"),
	}
}

// writeSource writes a fake sops file holding values.
func (tr *testTree) writeSource(name string, values map[string]string) string {
	tr.t.Helper()
	b, _ := json.Marshal(values)
	p := filepath.Join(tr.root, "src", name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tr.t.Fatal(err)
	}
	return p
}

func (tr *testTree) config(secrets ...Secret) *Config {
	return &Config{MountPoint: tr.mount(), Symlink: tr.symlink(), KeepGenerations: 2, Secrets: secrets}
}

func sec(name, file, key string, mode uint32) Secret {
	s := Secret{Name: name, Kind: SourceSops, File: file, Format: "yaml", Attrs: Attrs{Mode: mode}}
	if key != "" {
		for _, k := range strings.Split(key, "/") {
			s.Key = append(s.Key, k)
		}
	}
	return s
}

func (tr *testTree) install(e *Engine, cfg *Config) *Result {
	tr.t.Helper()
	res, err := e.Install(cfg)
	if err != nil {
		tr.t.Fatalf("install: %v", err)
	}
	return res
}

// fileInfo is what the tests compare of an installed file: never the bytes themselves,
// only their digest, so a failing comparison prints nothing secret.
type fileInfo struct {
	Mode     fs.FileMode
	UID, GID uint32
	Digest   string // sha256 of contents, or link target for symlinks
}

// snapshot describes the tree the symlink resolves to (excluding .hush) as rel -> info.
func snapshot(t *testing.T, dir string) map[string]fileInfo {
	t.Helper()
	out := map[string]fileInfo{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == metaDir && d.IsDir() {
			return filepath.SkipDir
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		fi := fileInfo{Mode: fs.FileMode(st.Mode & 0o7777), UID: st.Uid, GID: st.Gid}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			fi.Digest = hex.EncodeToString(sum[:8])
		case unix.S_IFDIR:
			fi.Digest = "dir"
		default:
			return fmt.Errorf("%s: unexpected file type %o", rel, st.Mode&unix.S_IFMT)
		}
		out[rel] = fi
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// unionKeys is the sorted names present in either tree snapshot.
func unionKeys[V any](a, b map[string]V) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func diffSnapshots(a, b map[string]fileInfo) string {
	var d []string
	for _, k := range unionKeys(a, b) {
		if a[k] != b[k] {
			d = append(d, fmt.Sprintf("%s: %+v vs %+v", k, a[k], b[k]))
		}
	}
	return strings.Join(d, "\n")
}

func isPartial(err error) bool { return errors.Is(err, ErrPartial) }
