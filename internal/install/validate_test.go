package install

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hush-nix/hush/internal/sopsfile"
)

func TestValidateConfig(t *testing.T) {
	ok := func() *Config {
		return &Config{MountPoint: "/run/s.d", Symlink: "/run/s", Secrets: []Secret{{Name: "a/b", File: "/f", Attrs: Attrs{Mode: 0o400}}}}
	}
	cases := []struct {
		name string
		edit func(c *Config)
		want string // "" = valid
	}{
		{"valid", func(c *Config) {}, ""},
		{"relative mount", func(c *Config) { c.MountPoint = "run" }, "absolute"},
		{"same roots", func(c *Config) { c.Symlink = c.MountPoint }, "both"},
		{"dotdot", func(c *Config) { c.Secrets[0].Name = "../x" }, "clean relative"},
		{"absolute name", func(c *Config) { c.Secrets[0].Name = "/x" }, "clean relative"},
		{"unclean", func(c *Config) { c.Secrets[0].Name = "a//b" }, "clean relative"},
		{"meta dir", func(c *Config) { c.Secrets[0].Name = ".hush/x" }, "reserved"},
		{"setuid", func(c *Config) { c.Secrets[0].Mode = 0o14755 }, "not a file mode"},
		{"duplicate", func(c *Config) { c.Secrets = append(c.Secrets, c.Secrets[0]) }, "same file"},
		{"file and dir", func(c *Config) {
			c.Secrets = append(c.Secrets, Secret{Name: "a", File: "/f"})
		}, "is the file of"},
		{"duplicate path", func(c *Config) {
			c.Secrets[0].Path = "/etc/x"
			c.Secrets = append(c.Secrets, Secret{Name: "c", File: "/f", Attrs: Attrs{Path: "/etc/x"}})
		}, "also the path"},
		{"no file", func(c *Config) { c.Secrets[0].File = "" }, "no source"},
		{"newline", func(c *Config) { c.Secrets[0].Name = "a\nb" }, "control characters"},
		{"nul in path", func(c *Config) { c.Secrets[0].Path = "/etc/a\x00" }, "control characters"},
	}
	for _, c := range cases {
		cfg := ok()
		c.edit(cfg)
		err := validateConfig(cfg)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func TestKeyExists(t *testing.T) {
	doc := sopsfile.Branch{
		{Key: "db", Value: sopsfile.Branch{{Key: "password", Value: "ENC[...]"}}},
		{Key: "list", Value: []any{"ENC[a]", "ENC[b]"}},
	}
	for _, c := range []struct {
		key  []any
		want string
	}{
		{[]any{"db", "password"}, ""},
		{[]any{"list", 1}, ""},
		{[]any{"db", "nope"}, "db/nope cannot be found"},
		{[]any{"db"}, "mapping or list"},
		{[]any{"list", 5}, "index"},
		{[]any{"db", "password", "x"}, "does not refer to a mapping"},
	} {
		err := keyExists([]sopsfile.Branch{doc}, c.key)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%v: %v, want %q", c.key, err, c.want)
		}
	}
}

func TestScalarBytes(t *testing.T) {
	for v, want := range map[any]string{"s": "s", 5432: "5432", 1.5: "1.5", false: "false"} {
		if b, err := scalarBytes(nil, v); err != nil || string(b) != want {
			t.Errorf("%v: %q %v", v, b, err)
		}
	}
	if _, err := scalarBytes([]any{"a"}, sopsfile.Branch{{Key: "k", Value: "secret-value"}}); err == nil || strings.Contains(err.Error(), "secret-value") {
		t.Errorf("a mapping: %v", err)
	}
}

// TestUserModeEngine runs the whole engine in user mode: no root, no mount, no chown (so it
// also runs in unprivileged CI).
func TestUserModeEngine(t *testing.T) {
	root := t.TempDir()
	var opens atomic.Int64
	src := filepath.Join(root, "s.json")
	_ = os.WriteFile(src, []byte(`{"a":"value-a","b":"value-b"}`), 0o644)
	cfg := &Config{MountPoint: filepath.Join(root, "run/secrets.d"), Symlink: filepath.Join(root, "run/secrets"), UserMode: true, KeepGenerations: 1,
		Secrets: []Secret{sec("a", src, "a", 0o400), sec("dir/b", src, "b", 0o600)}}
	cfg.Secrets[1].Path = filepath.Join(root, "home/.config/app/b")
	e := &Engine{NewDecrypter: func(Identities) (Decrypter, error) { return fakeDecrypter{opens: &opens}, nil }}
	res, err := e.Install(cfg)
	if err != nil || res.Generation != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	b, err := os.ReadFile(filepath.Join(root, "home/.config/app/b"))
	if err != nil || string(b) != "value-b" {
		t.Fatalf("through the custom link: %v (len %d)", err, len(b))
	}
	fi, _ := os.Stat(filepath.Join(cfg.Symlink, "a"))
	if fi.Mode().Perm() != 0o400 || fi.Sys() == nil {
		t.Errorf("mode %v", fi.Mode())
	}
	res, err = e.Install(cfg)
	if err != nil || !res.Unchanged || opens.Load() != 1 {
		t.Errorf("re-run: %+v %v, %d opens", res, err, opens.Load())
	}
}

// TestSopsValuesIndex: the map index for big branches finds what File.Lookup finds.
func TestSopsValuesIndex(t *testing.T) {
	var big sopsfile.Branch
	for i := 0; i < 100; i++ {
		big = append(big, sopsfile.Item{Key: "k" + strconv.Itoa(i), Value: "v" + strconv.Itoa(i)})
	}
	big = append(big, sopsfile.Item{Key: "k5", Value: "shadowed"})
	nested := append(sopsfile.Branch{}, big...)
	doc := append(sopsfile.Branch{{Key: "nested", Value: nested}, {Key: "list", Value: []any{"l0", sopsfile.Branch{{Key: "x", Value: "lx"}}}}}, big...)
	f := &sopsfile.File{Path: "f.yaml", Docs: []sopsfile.Branch{doc}}
	v := &sopsValues{f: f, format: sopsfile.YAML}
	for _, c := range []struct {
		key  []any
		want string
	}{
		{[]any{"k5"}, "v5"}, {[]any{"k99"}, "v99"}, {[]any{"nested", "k42"}, "v42"},
		{[]any{"nested", "k5"}, "v5"}, {[]any{"list", 0}, "l0"}, {[]any{"list", 1, "x"}, "lx"},
	} {
		for round := 0; round < 2; round++ { // second round through the built index
			b, err := v.Value(c.key)
			if err != nil || string(b) != c.want {
				t.Errorf("%v: %q %v, want %q", c.key, b, err, c.want)
			}
		}
	}
	if _, err := v.Value([]any{"nested", "nope"}); err == nil || !strings.Contains(err.Error(), "nested/nope cannot be found") {
		t.Errorf("missing: %v", err)
	}
}
