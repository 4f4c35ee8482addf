package install

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

// TestPlantedSymlinks: symlinks planted where hush writes are never followed.
func TestPlantedSymlinks(t *testing.T) {
	tr := newTree(t)
	victimDir := filepath.Join(tr.root, "victim")
	if err := os.MkdirAll(victimDir, 0o755); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(victimDir, "shadow")
	if err := os.WriteFile(victim, []byte("root-only"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := basicConfig(tr)
	// 1. a symlink at a custom path: replaced as a link, the victim is untouched.
	apiLink := filepath.Join(tr.root, "etc/app/api-key")
	_ = os.MkdirAll(filepath.Dir(apiLink), 0o755)
	if err := os.Symlink(victim, apiLink); err != nil {
		t.Fatal(err)
	}
	// 2. a symlink as the parent directory of another custom path: that entry fails.
	if err := os.Symlink(victimDir, filepath.Join(tr.root, "etc/evil")); err != nil {
		t.Fatal(err)
	}
	s := sec("via-evil", cfg.Secrets[0].File, "token", 0o444)
	s.Path = filepath.Join(tr.root, "etc/evil/planted")
	cfg.Secrets = append(cfg.Secrets, s)
	_, err := tr.engine().Install(cfg)
	if !isPartial(err) {
		t.Fatalf("want a partial install (the link through a symlink fails), got %v", err)
	}
	if l, _ := os.Readlink(apiLink); l != filepath.Join(tr.symlink(), "api") {
		t.Errorf("custom path -> %q", l)
	}
	if b, _ := os.ReadFile(victim); string(b) != "root-only" {
		t.Error("victim file changed")
	}
	if _, err := os.Lstat(filepath.Join(victimDir, "planted")); !os.IsNotExist(err) {
		t.Error("a link was created through a planted directory symlink")
	}

	// 3. the mount point itself planted as a symlink: refused, nothing written there.
	tr2 := newTree(t)
	elsewhere := filepath.Join(tr2.root, "elsewhere")
	_ = os.MkdirAll(elsewhere, 0o755)
	_ = os.MkdirAll(filepath.Dir(tr2.mount()), 0o755)
	if err := os.Symlink(elsewhere, tr2.mount()); err != nil {
		t.Fatal(err)
	}
	if _, err := tr2.engine().Install(basicConfig(tr2)); err == nil {
		t.Fatal("install through a symlinked mount point succeeded")
	}
	if names, _ := os.ReadDir(elsewhere); len(names) != 0 {
		t.Errorf("files written through the planted mount point: %v", names)
	}

	// 4. a directory symlink planted at the stable symlink's place is not deleted.
	tr3 := newTree(t)
	_ = os.MkdirAll(tr3.symlink(), 0o755)
	if _, err := tr3.engine().Install(basicConfig(tr3)); err == nil {
		t.Fatal("a directory at the symlink's place was replaced")
	}
}

// TestUmaskIndependent installs the same config under umask 000 and 077: same tree.
func TestUmaskIndependent(t *testing.T) {
	var snaps []map[string]fileInfo
	for _, mask := range []int{0o000, 0o077} {
		tr := newTree(t)
		old := syscall.Umask(mask)
		res, err := tr.engine().Install(basicConfig(tr))
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		snap := snapshot(t, filepath.Join(tr.mount(), strconv.Itoa(res.Generation)))
		snaps = append(snaps, snap)
	}
	if d := diffSnapshots(snaps[0], snaps[1]); d != "" {
		t.Errorf("umask 000 vs 077:\n%s", d)
	}
}

// TestNoPlaintextInOutput runs installs that fail in every way a value could leak through
// (missing key, undecryptable file, template of a failed secret) and checks every log line,
// error and status for the test values.
func TestNoPlaintextInOutput(t *testing.T) {
	tr := newTree(t)
	values := []string{"pw-alpha-1", "tok-alpha-2", "api-beta-3", "sekrit-map-value"}
	cfg := basicConfig(tr)
	cfg.Secrets = append(cfg.Secrets, sec("missing", cfg.Secrets[0].File, "nope", 0o400))
	var logs bytes.Buffer
	e := tr.engine()
	e.Log = slog.New(slog.NewTextHandler(&logs, nil))
	res, err := e.Install(cfg)
	if !isPartial(err) {
		t.Fatalf("want partial: %v", err)
	}
	if err := os.WriteFile(cfg.Secrets[2].File, []byte("FAIL sekrit-map-value"), 0o644); err != nil {
		t.Fatal(err)
	}
	res2, err2 := e.Install(cfg)
	js, _ := json.Marshal([]any{res, res2})
	status, _ := os.ReadFile(filepath.Join(tr.symlink(), metaDir, "status.json"))
	all := logs.String() + err.Error() + err2.Error() + string(js) + string(status)
	for _, v := range values {
		if bytes.Contains([]byte(all), []byte(v)) {
			t.Errorf("a secret value (length %d) appears in logs, errors or status", len(v))
		}
	}
	if logs.Len() == 0 {
		t.Error("failures were not logged")
	}
}

// TestConcurrentProcesses runs 8 installer processes at once on top of an installed set:
// they serialise on the lock and end in one consistent generation.
func TestConcurrentProcesses(t *testing.T) {
	tr := newTree(t)
	a, b := crashSets(tr)
	tr.install(tr.engine(), a)
	want := referenceSnapshot(t, b)
	cfgFile := filepath.Join(tr.root, "b.json")
	data, _ := json.Marshal(b)
	_ = os.WriteFile(cfgFile, data, 0o600)
	self, _ := os.Executable()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(self)
			cmd.Env = append(os.Environ(), envChild+"=1", "HUSH_CRASH_CFG="+cfgFile, "HUSH_CRASH_AT=-1")
			errs[i] = cmd.Run()
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("installer %d: %v", i, err)
		}
	}
	if d := diffSnapshots(want, snapshot(t, tr.symlink()+"/")); d != "" {
		t.Fatalf("not B:\n%s", d)
	}
	// One of the eight made generation 2; the seven others found nothing to do.
	if cur, _ := os.Readlink(tr.symlink()); filepath.Base(cur) != "2" {
		t.Errorf("symlink -> %s, want generation 2", cur)
	}
}
