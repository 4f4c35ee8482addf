package install

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hush-nix/hush/internal/manifest"
)

// TestConfigCacheRoundTrip: every manifest fixture's configs survive the cache encoding
// exactly (nil and empty slices, key paths with indices, templates with their renderer).
func TestConfigCacheRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("../manifest/testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no manifest fixtures")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := manifest.Parse(data, f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if m.UserMode {
			if err := m.ExpandUserPaths("/run/user/1000"); err != nil {
				t.Fatal(err)
			}
		}
		cfgs, err := FromManifest(m)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// Fill what the fixtures leave empty, so every field is exercised.
		cfgs[0].HostRecipients = []string{"age1x", "ssh-ed25519 AAAA"}
		cfgs[0].Identities.SSHKeyPaths = []string{}
		if len(cfgs[0].Secrets) > 0 {
			cfgs[0].Secrets[0].Key = []any{"a", 3, ""}
			cfgs[0].Secrets[0].Owner = Owner{Name: "n", ID: -1}
		}
		want := &CachedManifest{Configs: cfgs, LogChanges: true, GnupgSSHKeys: true}
		got, err := decodeCachedManifest(encodeCachedManifest(want))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// Renderers are compared by what they were built from.
		for i, c := range got.Configs {
			for j := range c.Templates {
				g, w := c.Templates[j].Renderer, want.Configs[i].Templates[j].Renderer
				if (g == nil) != (w == nil) || (g != nil && !reflect.DeepEqual(g.Options(), w.Options())) {
					t.Fatalf("%s: template %d: renderer differs", f, j)
				}
				c.Templates[j].Renderer = w
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: round trip differs:\n got %+v\nwant %+v", f, got.Configs[0], want.Configs[0])
		}
		// Truncations and trailing bytes are refused, never half-read.
		enc := encodeCachedManifest(want)
		for _, cut := range []int{0, 1, len(enc) / 2, len(enc) - 1} {
			if _, err := decodeCachedManifest(enc[:cut]); err == nil {
				t.Errorf("%s: truncated at %d decoded", f, cut)
			}
		}
		if _, err := decodeCachedManifest(append(enc, 0)); err == nil {
			t.Errorf("%s: trailing byte accepted", f)
		}
	}
}

// TestConfigCacheCoversEveryField fails when a field is added to what the cache encodes:
// extend encodeCachedManifest/decodeCachedManifest and bump configCacheVersion, then the
// numbers here.
func TestConfigCacheCoversEveryField(t *testing.T) {
	for _, c := range []struct {
		v    any
		want int
	}{{Config{}, 10}, {Identities{}, 3}, {Secret{}, 6}, {Template{}, 5}, {Attrs{}, 6}, {Owner{}, 2}, {CachedManifest{}, 3}} {
		if n := reflect.TypeOf(c.v).NumField(); n != c.want {
			t.Errorf("%T has %d fields, the config cache encodes %d", c.v, n, c.want)
		}
	}
}

// TestConfigCacheKeyed: an entry is used only for the same manifest bytes and env.
func TestConfigCacheKeyed(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	man := filepath.Join(t.TempDir(), "m.json")
	cm := &CachedManifest{Configs: []*Config{{MountPoint: "/run/x.d", Symlink: "/run/x", Secrets: []Secret{{Name: "a", Kind: SourceSops, File: "/f", Format: "yaml", Key: []any{"a"}}}}}, LogChanges: true}
	if err := StoreConfigs(man, []byte("v1"), "env", cm); err != nil {
		t.Fatal(err)
	}
	if got, ok := CachedConfigs(man, []byte("v1"), "env"); !ok || !reflect.DeepEqual(got, cm) {
		t.Fatalf("cached: %v %+v", ok, got)
	}
	for _, c := range []struct{ data, env string }{{"v2", "env"}, {"v1", "other"}} {
		if _, ok := CachedConfigs(man, []byte(c.data), c.env); ok {
			t.Errorf("used for %q/%q", c.data, c.env)
		}
	}
	if _, ok := CachedConfigs(filepath.Join(filepath.Dir(man), "other.json"), []byte("v1"), "env"); ok {
		t.Error("used for another manifest path")
	}
	st, err := os.Stat(configCachePath(man))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("cache file: %v %v", st, err)
	}
}

// TestConfigCacheMustBePrivate: a cache entry anyone else could have written (group- or
// world-writable directory, a file not private, a symlink) is ignored.
func TestConfigCacheMustBePrivate(t *testing.T) {
	rt := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt)
	man := filepath.Join(t.TempDir(), "m.json")
	cm := &CachedManifest{Configs: []*Config{{MountPoint: "/run/x.d", Symlink: "/run/x"}}}
	if err := StoreConfigs(man, []byte("v1"), "", cm); err != nil {
		t.Fatal(err)
	}
	p := configCachePath(man)
	if _, ok := CachedConfigs(man, []byte("v1"), ""); !ok {
		t.Fatal("private entry not used")
	}
	for _, c := range []struct {
		name       string
		dirMode    os.FileMode
		fileMode   os.FileMode
		wantCached bool
	}{{"group-writable dir", 0o770, 0o600, false}, {"world-readable file", 0o700, 0o644, false}, {"private", 0o700, 0o600, true}} {
		if err := os.Chmod(filepath.Dir(p), c.dirMode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, c.fileMode); err != nil {
			t.Fatal(err)
		}
		if _, ok := CachedConfigs(man, []byte("v1"), ""); ok != c.wantCached {
			t.Errorf("%s: used = %v", c.name, ok)
		}
	}
	other := filepath.Join(rt, "elsewhere.bin")
	if err := os.Rename(p, other); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(other, p); err != nil {
		t.Fatal(err)
	}
	if _, ok := CachedConfigs(man, []byte("v1"), ""); ok {
		t.Error("followed a symlink")
	}
}
