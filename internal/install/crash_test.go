package install

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/template"
)

// crashSets builds two configs over the same tree: A, then B, which keeps some of A's
// secrets (carried without decryption), changes some, removes some, adds some, moves
// custom links, and has templates and restart units.
func crashSets(tr *testTree) (a, b *Config) {
	r, _ := template.New(template.Options{Hush: true})
	mk := func(files []string, names func(i, j int) string, perFile int) *Config {
		cfg := tr.config()
		for i, f := range files {
			for j := 0; j < perFile; j++ {
				s := sec(names(i, j), f, fmt.Sprintf("k%d", j), []uint32{0o400, 0o440, 0o600}[j%3])
				s.Owner = Owner{ID: testUID1 + j%2}
				if j%4 == 0 {
					s.Owner = Owner{ID: 0} // root-only files are hard-linked when carried
				}
				s.Group = Owner{ID: testGID}
				s.RestartUnits = []string{fmt.Sprintf("unit%d.service", i)}
				if j == 0 {
					s.Path = filepath.Join(tr.root, "etc", fmt.Sprintf("f%d", i), "link")
				}
				cfg.Secrets = append(cfg.Secrets, s)
			}
		}
		return cfg
	}
	src := func(prefix string, i, perFile int) string {
		vals := map[string]string{}
		for j := 0; j < perFile; j++ {
			vals[fmt.Sprintf("k%d", j)] = fmt.Sprintf("%s-value-%d-%d", prefix, i, j)
		}
		return tr.writeSource(fmt.Sprintf("%s%d.json", prefix, i), vals)
	}
	var fa, fb []string
	for i := 0; i < 10; i++ {
		fa = append(fa, src("a", i, 12))
	}
	for i := 0; i < 10; i++ {
		if i < 5 {
			fb = append(fb, fa[i]) // unchanged files: carried over
		} else {
			fb = append(fb, src("b", i, 12))
		}
	}
	a = mk(fa, func(i, j int) string { return fmt.Sprintf("d%d/s%d", i, j) }, 12)
	b = mk(fb, func(i, j int) string {
		if i == 9 {
			return fmt.Sprintf("new%d/s%d", i, j) // a new directory; d9/* are removed
		}
		return fmt.Sprintf("d%d/s%d", i, j)
	}, 20)
	// B has 20 secrets per file; files hold 12 keys, so secrets 12..19 reuse keys 0..7
	// (several names from one key, still no failures).
	for i := range b.Secrets {
		s := &b.Secrets[i]
		var j int
		fmt.Sscanf(s.Key[0].(string), "k%d", &j)
		if j >= 12 {
			s.Key = []any{fmt.Sprintf("k%d", j%12)}
		}
	}
	tmpl := Template{Name: "app.conf", Content: "x=<hush:d0/s1>\ny=<hush:d6/s2>\n", Renderer: r, Attrs: Attrs{Mode: 0o440, RestartUnits: []string{"app.service"}}}
	a.Templates = []Template{tmpl}
	tmpl.Content += "z=1\n"
	b.Templates = []Template{tmpl}
	return a, b
}

// TestCrashSafety kills the installer with SIGKILL at every fault point of an A -> B
// install (more than 200 points: every file, directory, rename, link, report and prune).
// After each kill the symlink must resolve to a complete generation equal to A or to B, and
// a re-run must converge to exactly B with no leftovers.
func TestCrashSafety(t *testing.T) {
	tr := newTree(t)
	a, b := crashSets(tr)
	wantA := referenceSnapshot(t, a)
	wantB := referenceSnapshot(t, b)
	e := tr.engine()
	cfgFile := filepath.Join(tr.root, "b.json")
	data, _ := json.Marshal(b)
	if err := os.WriteFile(cfgFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	child := func(at int) (string, error) {
		self, _ := os.Executable()
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), envChild+"=1", "HUSH_CRASH_CFG="+cfgFile,
			"HUSH_CRASH_AT="+strconv.Itoa(at), "HUSH_CRASH_NIXOS="+filepath.Join(tr.root, "run/nixos"))
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}

	tr.install(e, a)
	out, err := child(0)
	if err != nil {
		t.Fatalf("counting run: %v", err)
	}
	points, _ := strconv.Atoi(out)
	t.Logf("%d fault points in an A -> B install", points)
	if points < 200 {
		t.Fatalf("only %d fault points; the test needs at least 200", points)
	}
	var kills []int
	for at := 1; at <= points; at++ {
		// -short: every 17th point, and the last ones (after the switch) always.
		if !testing.Short() || at%17 == 1 || at > points-6 {
			kills = append(kills, at)
		}
	}
	seenA, seenB := 0, 0
	for _, at := range kills {
		tr.install(e, a) // back to A (itself incremental: B -> A)
		if d := diffSnapshots(wantA, snapshot(t, tr.symlink()+"/")); d != "" {
			t.Fatalf("kill %d: reset to A failed:\n%s", at, d)
		}
		if _, err := child(at); err == nil {
			t.Fatalf("kill %d: the child was not killed", at)
		}
		got := snapshot(t, tr.symlink()+"/")
		switch {
		case diffSnapshots(wantA, got) == "":
			seenA++
		case diffSnapshots(wantB, got) == "":
			seenB++
		default:
			t.Fatalf("kill at point %d: the symlink resolves to neither A nor B:\nvs A:\n%s", at, diffSnapshots(wantA, got))
		}
		tr.install(e, b)
		if d := diffSnapshots(wantB, snapshot(t, tr.symlink()+"/")); d != "" {
			t.Fatalf("kill %d: re-run did not converge to B:\n%s", at, d)
		}
		checkConverged(t, tr, b, at)
	}
	t.Logf("after the kill: %d times A, %d times B", seenA, seenB)
	if seenA == 0 || seenB == 0 {
		t.Errorf("expected kills both before and after the switch (A %d, B %d)", seenA, seenB)
	}
}

// referenceSnapshot installs cfg into a fresh tree and returns what its symlink shows.
func referenceSnapshot(t *testing.T, cfg *Config) map[string]fileInfo {
	ref := newTree(t)
	c := *cfg
	c.MountPoint, c.Symlink = ref.mount(), ref.symlink()
	c.Secrets = append([]Secret(nil), cfg.Secrets...)
	for i := range c.Secrets {
		c.Secrets[i].Path = "" // custom links live in the shared tree; not part of the set
	}
	if _, err := ref.engine().Install(&c); err != nil {
		t.Fatal(err)
	}
	return snapshot(t, ref.symlink()+"/")
}

func checkConverged(t *testing.T, tr *testTree, cfg *Config, at int) {
	t.Helper()
	entries, _ := os.ReadDir(tr.mount())
	cur, _ := os.Readlink(tr.symlink())
	gens := 0
	for _, en := range entries {
		if g, ok := generationNumber(en.Name()); ok {
			gens++
			if filepath.Join(tr.mount(), en.Name()) != cur {
				if c, _ := generationNumber(filepath.Base(cur)); g > c {
					t.Errorf("kill %d: leftover generation %d newer than the current %d", at, g, c)
				}
			}
		}
	}
	if gens > cfg.KeepGenerations {
		t.Errorf("kill %d: %d generations kept, want at most %d", at, gens, cfg.KeepGenerations)
	}
	if m, _ := filepath.Glob(filepath.Join(tr.root, "run", ".*hush-tmp*")); len(m) > 0 {
		t.Errorf("kill %d: leftover temporary links %v", at, m)
	}
	if _, err := os.Stat(filepath.Join(cur, metaDir, reportPending)); err == nil {
		t.Errorf("kill %d: report still pending after the re-run", at)
	}
	for _, s := range cfg.Secrets {
		if s.Path == "" {
			continue
		}
		if l, err := os.Readlink(s.Path); err != nil || l != filepath.Join(tr.symlink(), s.Name) {
			t.Errorf("kill %d: custom link %s -> %q (%v)", at, s.Path, l, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(tr.root, "etc/f9/link")); err != nil {
		t.Errorf("kill %d: link of a kept file missing: %v", at, err)
	}
}
