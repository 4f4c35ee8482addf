package install

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

func basicConfig(tr *testTree) *Config {
	a := tr.writeSource("a.yaml", map[string]string{"db/password": "pw-alpha-1", "token": "tok-alpha-2"})
	b := tr.writeSource("b.yaml", map[string]string{"api": "api-beta-3"})
	s1 := sec("db-password", a, "db/password", 0o400)
	s1.Owner = Owner{Name: testUser1}
	s1.Group = Owner{Name: testGroup}
	s1.RestartUnits = []string{"db.service"}
	s2 := sec("app/token", a, "token", 0o440)
	s2.Owner = Owner{ID: testUID2}
	s2.Group = Owner{ID: testGID}
	s2.ReloadUnits = []string{"app.service"}
	s3 := sec("api", b, "api", 0o400)
	s3.Path = filepath.Join(tr.root, "etc/app/api-key")
	cfg := tr.config(s1, s2, s3)
	return cfg
}

func TestInstallTree(t *testing.T) {
	tr := newTree(t)
	cfg := basicConfig(tr)
	res := tr.install(tr.engine(), cfg)
	if res.Generation != 1 || len(res.Added) != 3 || res.Decrypted != 2 {
		t.Fatalf("result %+v", res)
	}
	target, err := os.Readlink(tr.symlink())
	if err != nil || target != filepath.Join(tr.mount(), "1") {
		t.Fatalf("symlink -> %q, %v", target, err)
	}
	gid, err := (SystemAccounts{}).GroupID("keys")
	if err != nil {
		t.Fatalf("group keys after an install: %v", err)
	}
	keys := uint32(gid)
	want := map[string]fileInfo{
		".":           {Mode: 0o751, GID: keys, Digest: "dir"},
		"db-password": {Mode: 0o400, UID: testUID1, GID: testGID, Digest: digestOf("pw-alpha-1")},
		"app":         {Mode: 0o751, GID: keys, Digest: "dir"},
		"app/token":   {Mode: 0o440, UID: testUID2, GID: testGID, Digest: digestOf("tok-alpha-2")},
		"api":         {Mode: 0o400, Digest: digestOf("api-beta-3")},
	}
	if d := diffSnapshots(want, snapshot(t, target)); d != "" {
		t.Errorf("tree:\n%s", d)
	}
	// The custom path is a symlink through the stable symlink, owned like the secret.
	link := filepath.Join(tr.root, "etc/app/api-key")
	if l, err := os.Readlink(link); err != nil || l != filepath.Join(tr.symlink(), "api") {
		t.Errorf("custom path -> %q, %v", l, err)
	}
	// status.json is root-only and holds no value.
	var st unix.Stat_t
	if err := unix.Stat(filepath.Join(target, metaDir, "status.json"), &st); err != nil || st.Mode&0o7777 != 0o600 || st.Uid != 0 {
		t.Errorf("status.json %04o uid %d (%v)", st.Mode&0o7777, st.Uid, err)
	}
	if err := unix.Stat(filepath.Join(target, metaDir), &st); err != nil || st.Mode&0o7777 != 0o700 {
		t.Errorf(".hush %04o", st.Mode&0o7777)
	}
	raw, _ := os.ReadFile(filepath.Join(target, metaDir, "status.json"))
	for _, v := range []string{"pw-alpha-1", "tok-alpha-2", "api-beta-3"} {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("status.json contains a secret value (len %d)", len(v))
		}
	}
	status, _, err := ReadStatus(tr.symlink())
	if err != nil || len(status.Secrets) != 3 || status.Secrets[0].State != StateOK {
		t.Fatalf("status %+v %v", status, err)
	}
	// First activation: no restart requested (units start after activation anyway).
	if _, err := os.Stat(filepath.Join(tr.root, "run/nixos/activation-restart-list")); err == nil {
		t.Error("restart list written on first activation")
	}
}

// TestKeysGroupCreated: on a host without group "keys" (the private /etc of these tests
// has none), the first lookup creates it with groupadd, in /etc/group and /etc/gshadow.
func TestKeysGroupCreated(t *testing.T) {
	needNamespace(t)
	gid, err := SystemAccounts{}.KeysGroup()
	if err != nil {
		t.Fatal(err)
	}
	again, err := SystemAccounts{}.KeysGroup()
	if err != nil || again != gid {
		t.Fatalf("second lookup: %d %v (first %d)", again, err, gid)
	}
	b, _ := os.ReadFile("/etc/group")
	if !strings.Contains(string(b), "\nkeys:x:"+strconv.Itoa(gid)+":") {
		t.Errorf("/etc/group has no keys:x:%d line", gid)
	}
}

func TestIncremental(t *testing.T) {
	tr := newTree(t)
	cfg := basicConfig(tr)
	e := tr.engine()
	tr.install(e, cfg)
	before := snapshot(t, filepath.Join(tr.mount(), "1"))

	tr.opens.Store(0)
	res := tr.install(e, cfg)
	if !res.Unchanged || res.Generation != 1 || tr.opens.Load() != 0 {
		t.Fatalf("unchanged re-run: %+v, %d decryptions", res, tr.opens.Load())
	}

	// One source file changes: only it is decrypted; the other's secret is carried over.
	tr.writeSource("b.yaml", map[string]string{"api": "api-beta-NEW"})
	tr.opens.Store(0)
	res = tr.install(e, cfg)
	if res.Unchanged || res.Generation != 2 || tr.opens.Load() != 1 || res.Decrypted != 1 {
		t.Fatalf("one file changed: %+v, %d decryptions", res, tr.opens.Load())
	}
	if strings.Join(res.Changed, ",") != "api" || len(res.Added)+len(res.Removed) != 0 {
		t.Errorf("report %+v", res)
	}
	after := snapshot(t, filepath.Join(tr.mount(), "2"))
	for _, k := range []string{"db-password", "app/token"} {
		if before[k] != after[k] {
			t.Errorf("%s not carried: %+v vs %+v", k, before[k], after[k])
		}
	}
	if after["api"].Digest != digestOf("api-beta-NEW") {
		t.Error("api not updated")
	}
	// A change in one file with an unchanged value: decrypted, not reported.
	tr.writeSource("b.yaml", map[string]string{"api": "api-beta-NEW", "other": "x"})
	res = tr.install(e, cfg)
	if len(res.Changed)+len(res.Added)+len(res.Removed) != 0 || res.Generation != 3 {
		t.Errorf("re-encrypted same value: %+v", res)
	}
	// Removing a secret is reported, and its restart list is not touched.
	cfg.Secrets = cfg.Secrets[:2]
	res = tr.install(e, cfg)
	if strings.Join(res.Removed, ",") != "api" {
		t.Errorf("removed: %+v", res)
	}
	if _, err := os.Lstat(filepath.Join(tr.root, "etc/app/api-key")); !os.IsNotExist(err) {
		t.Errorf("stale custom link not removed: %v", err)
	}
	// keepGenerations 2: only the current and the previous generation remain.
	names, _ := os.ReadDir(tr.mount())
	var gens []string
	for _, n := range names {
		if _, ok := generationNumber(n.Name()); ok {
			gens = append(gens, n.Name())
		}
	}
	if strings.Join(gens, ",") != "3,4" {
		t.Errorf("generations after prune: %v", gens)
	}
}

func TestRestartLists(t *testing.T) {
	tr := newTree(t)
	cfg := basicConfig(tr)
	e := tr.engine()
	tr.install(e, cfg)
	a := tr.writeSource("a.yaml", map[string]string{"db/password": "pw-alpha-CHANGED", "token": "tok-alpha-CHANGED"})
	_ = a
	tr.install(e, cfg)
	restart, _ := os.ReadFile(filepath.Join(tr.root, "run/nixos/activation-restart-list"))
	reload, _ := os.ReadFile(filepath.Join(tr.root, "run/nixos/activation-reload-list"))
	if string(restart) != "db.service\n" || string(reload) != "app.service\n" {
		t.Errorf("restart %q reload %q", restart, reload)
	}
	// --systemd: try-restart / try-reload-or-restart instead of the lists.
	var calls []string
	e.Systemd = true
	e.Systemctl = func(verb string, units []string) error {
		if len(units) > 0 {
			calls = append(calls, verb+" "+strings.Join(units, " "))
		}
		return nil
	}
	tr.writeSource("a.yaml", map[string]string{"db/password": "pw-3", "token": "tok-alpha-CHANGED"})
	tr.install(e, cfg)
	if strings.Join(calls, ";") != "try-restart db.service" {
		t.Errorf("systemctl calls %q", calls)
	}
	if m, _ := filepath.Glob(filepath.Join(tr.mount(), "*", metaDir, reportPending)); len(m) != 0 {
		t.Errorf("report marker left: %v", m)
	}
}

func TestFailurePolicy(t *testing.T) {
	tr := newTree(t)
	cfg := basicConfig(tr)
	e := tr.engine()
	tr.install(e, cfg)
	// b.yaml can no longer be decrypted; a.yaml changes.
	bad := tr.writeSource("b.yaml", nil)
	if err := os.WriteFile(bad, []byte("FAIL"), 0o644); err != nil {
		t.Fatal(err)
	}
	tr.writeSource("a.yaml", map[string]string{"db/password": "pw-new", "token": "tok-alpha-2"})
	cfg.Secrets = append(cfg.Secrets, sec("fresh", bad, "x", 0o400))

	strict := *cfg
	strict.Strict = true
	before, _ := os.Readlink(tr.symlink())
	if _, err := e.Install(&strict); err == nil || isPartial(err) {
		t.Fatalf("strict: %v", err)
	}
	if after, _ := os.Readlink(tr.symlink()); after != before {
		t.Fatal("strict failure changed the symlink")
	}

	res, err := e.Install(cfg)
	if !isPartial(err) {
		t.Fatalf("keep-going: %v", err)
	}
	states := map[string]State{}
	for _, s := range res.Secrets {
		states[s.Name] = s.State
	}
	if states["db-password"] != StateOK || states["api"] != StateStale || states["fresh"] != StateFailed {
		t.Fatalf("states %v", states)
	}
	snap := snapshot(t, tr.symlink()+"/")
	if snap["api"].Digest != digestOf("api-beta-3") || snap["db-password"].Digest != digestOf("pw-new") {
		t.Error("stale value not kept or good value not installed")
	}
	if _, ok := snap["fresh"]; ok {
		t.Error("failed secret without a previous value is present")
	}
	st, _, _ := ReadStatus(tr.symlink())
	for _, s := range st.Secrets {
		if s.Name == "api" && !strings.Contains(s.Reason, "no matching identity") {
			t.Errorf("reason %q", s.Reason)
		}
	}
	// A re-run with the same inputs retries (the previous generation was not all ok).
	tr.opens.Store(0)
	if _, err := e.Install(cfg); !isPartial(err) || tr.opens.Load() == 0 {
		t.Errorf("re-run after failure: %v, %d decryptions", err, tr.opens.Load())
	}
}

func TestCustomPathRegularFileIsError(t *testing.T) {
	tr := newTree(t)
	cfg := basicConfig(tr)
	link := filepath.Join(tr.root, "etc/app/api-key")
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(link, []byte("someone's data"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := tr.engine().Install(cfg)
	if !isPartial(err) {
		t.Fatalf("want partial, got %v", err)
	}
	if b, _ := os.ReadFile(link); string(b) != "someone's data" {
		t.Error("regular file at a custom path was replaced")
	}
}

func TestConcurrentInstalls(t *testing.T) {
	tr := newTree(t)
	cfg := basicConfig(tr)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := tr.engine().Install(cfg)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Serialised by the lock: the first creates generation 1, the other seven find nothing
	// changed.
	if target, _ := os.Readlink(tr.symlink()); target != filepath.Join(tr.mount(), "1") {
		t.Errorf("symlink -> %s", target)
	}
	names, _ := os.ReadDir(tr.mount())
	for _, n := range names {
		if n.Name() != "1" && n.Name() != metaDir {
			if _, ok := generationNumber(n.Name()); ok {
				t.Errorf("extra generation %s", n.Name())
			}
		}
	}
}

func TestDryRunTouchesNothing(t *testing.T) {
	tr := newTree(t)
	cfg := basicConfig(tr)
	e := tr.engine()
	e.DryRun = true
	res, err := e.Install(cfg)
	if err != nil || len(res.Added) != 3 {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if _, err := os.Lstat(tr.mount()); !os.IsNotExist(err) {
		t.Errorf("dry run created the mount point: %v", err)
	}
	if _, err := os.Lstat(tr.symlink()); !os.IsNotExist(err) {
		t.Errorf("dry run created the symlink")
	}
	// After an install, a dry run with a change writes switch-to-configuration's
	// dry-activation lists and nothing else.
	e.DryRun = false
	tr.install(e, cfg)
	e.DryRun = true
	tr.writeSource("a.yaml", map[string]string{"db/password": "pw-dry", "token": "tok-alpha-2"})
	before, _ := os.Readlink(tr.symlink())
	if _, err := e.Install(cfg); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Readlink(tr.symlink()); after != before {
		t.Error("dry run switched")
	}
	if b, _ := os.ReadFile(filepath.Join(tr.root, "run/nixos/dry-activation-restart-list")); string(b) != "db.service\n" {
		t.Errorf("dry-activation-restart-list %q", b)
	}
	if _, err := os.Stat(filepath.Join(tr.root, "run/nixos/activation-restart-list")); err == nil {
		t.Error("a dry run wrote the real restart list")
	}
}

// TestCarrySharing: a carried secret only root can write is hard-linked into the new
// generation; one its owner could write is copied; a mode change is never shared.
func TestCarrySharing(t *testing.T) {
	tr := newTree(t)
	cfg := basicConfig(tr)
	rootOnly := sec("root-0440", cfg.Secrets[2].File, "api", 0o440) // root-owned, from b.yaml
	rootOnly.Group = Owner{ID: testGID}
	groupWritable := sec("group-rw", cfg.Secrets[2].File, "api", 0o660)
	cfg.Secrets = append(cfg.Secrets, rootOnly, groupWritable)
	cfg.Templates = []Template{{Name: "t", Content: "x"}}
	e := tr.engine()
	tr.install(e, cfg)
	tr.writeSource("a.yaml", map[string]string{"db/password": "pw-changed", "token": "tok-alpha-2"})
	res := tr.install(e, cfg)
	ino := func(gen int, name string) uint64 {
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(tr.mount(), strconv.Itoa(gen), name), &st); err != nil {
			t.Fatal(err)
		}
		return st.Ino
	}
	if ino(1, "api") != ino(res.Generation, "api") || ino(1, "root-0440") != ino(res.Generation, "root-0440") {
		t.Error("root-only files were copied, not shared")
	}
	for _, n := range []string{"app/token", "group-rw"} {
		if ino(1, n) == ino(res.Generation, n) {
			t.Errorf("%s is shared although someone besides root can write it", n)
		}
	}
	// A mode change of a shared file makes a new inode; the old generation keeps its mode.
	cfg.Secrets[3].Mode = 0o400
	res = tr.install(e, cfg)
	var st unix.Stat_t
	_ = unix.Lstat(filepath.Join(tr.mount(), strconv.Itoa(res.Generation-1), "root-0440"), &st)
	if st.Mode&0o7777 != 0o440 {
		t.Errorf("old generation's mode changed to %04o", st.Mode&0o7777)
	}
	if ino(res.Generation-1, "root-0440") == ino(res.Generation, "root-0440") {
		t.Error("mode change shared the inode")
	}
	if snap := snapshot(t, tr.symlink()+"/"); snap["root-0440"].Mode != 0o400 || snap["api"].Digest != digestOf("api-beta-3") {
		t.Errorf("new generation: %+v", snap["root-0440"])
	}
}
