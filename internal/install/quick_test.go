package install

import (
	"os"
	"path/filepath"
	"testing"
)

// TestQuickPath: after a complete install the next run with equal inputs is recognised
// without parsing; every kind of input change, and any change to the installed tree that
// matters, falls back to the full path.
func TestQuickPath(t *testing.T) {
	tr := newTree(t)
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(tr.root, "xdg"))
	manifestFile := filepath.Join(tr.root, "manifest.json")
	data := []byte(`{"stand-in": "the manifest's bytes"}`)
	_ = os.WriteFile(manifestFile, data, 0o644)
	o := QuickOptions{Manifest: manifestFile, Data: data}
	cfg := basicConfig(tr)
	e := tr.engine()
	if _, ok := e.Unchanged(o); ok {
		t.Fatal("unchanged before any install")
	}
	res := tr.install(e, cfg)
	if err := e.RecordQuick(o, []*Result{res}); err != nil {
		t.Fatal(err)
	}
	if rs, ok := e.Unchanged(o); !ok || rs[0].Generation != 1 {
		t.Fatalf("not recognised as unchanged: %v %v", rs, ok)
	}
	rec, _ := os.Stat(quickPath(manifestFile))
	if rec == nil || rec.Mode().Perm() != 0o600 {
		t.Errorf("quick record mode %v", rec)
	}
	checks := []struct {
		name   string
		change func()
		undo   func()
	}{
		{"manifest bytes", func() { o.Data = []byte(`{"other": 1}`) }, func() { o.Data = data }},
		{"options", func() { e.IgnorePasswd = true }, func() { e.IgnorePasswd = false }},
		{"environment", func() { o.Env = "x" }, func() { o.Env = "" }},
		{"source file", func() { tr.writeSource("b.yaml", map[string]string{"api": "other"}) },
			func() { tr.writeSource("b.yaml", map[string]string{"api": "api-beta-3"}) }},
		{"custom link", func() { _ = os.Remove(filepath.Join(tr.root, "etc/app/api-key")) },
			func() { _ = os.Symlink(filepath.Join(tr.symlink(), "api"), filepath.Join(tr.root, "etc/app/api-key")) }},
		{"symlink moved", func() { _ = os.Rename(tr.symlink(), tr.symlink()+".x") }, func() { _ = os.Rename(tr.symlink()+".x", tr.symlink()) }},
		{"identities", func() {
			e.NewDecrypter = func(Identities) (Decrypter, error) { return otherIdentity{}, nil }
		}, func() { e.NewDecrypter = tr.engine().NewDecrypter }},
	}
	for _, c := range checks {
		c.change()
		if _, ok := e.Unchanged(o); ok {
			t.Errorf("%s changed but the quick path said unchanged", c.name)
		}
		c.undo()
		if _, ok := e.Unchanged(o); !ok {
			t.Errorf("after undoing %s: not unchanged", c.name)
		}
	}
	// A partial install is never recorded: the next run retries.
	cfg.Secrets = append(cfg.Secrets, sec("missing", cfg.Secrets[0].File, "nope", 0o400))
	res, err := e.Install(cfg)
	if !isPartial(err) {
		t.Fatal(err)
	}
	_ = e.RecordQuick(o, []*Result{res})
	if _, ok := e.Unchanged(o); ok {
		t.Error("a partial install was recorded as complete")
	}
}

type otherIdentity struct{ fakeDecrypter }

func (otherIdentity) Describe() []string { return []string{"another-identity"} }
