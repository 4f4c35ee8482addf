package install

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCarriedLinkImmutable backs the hard-link argument of docs/install.md with the
// kernel's answer: a carried root-only file shared by two generations cannot be written,
// truncated, chmod'ed, renamed or removed through the new generation by anyone but root
// (checked as a real user of its group, who can read it); hush never writes to it (its
// mtime never moves); and a later owner or mode change gives the new generation a new
// inode, leaving the shared one exactly as it was (mode, owner, ctime, link count, bytes).
func TestCarriedLinkImmutable(t *testing.T) {
	tr := newTree(t)
	cfg := basicConfig(tr)
	cfg.KeepGenerations = 0 // keep all: no prune touches the link counts
	shared := sec("shared", cfg.Secrets[2].File, "api", 0o440)
	shared.Group = Owner{ID: testGID}
	cfg.Secrets = append(cfg.Secrets, shared)
	idx := len(cfg.Secrets) - 1
	e := tr.engine()
	tr.install(e, cfg)
	stat := func(gen int, name string) unix.Stat_t {
		t.Helper()
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(tr.mount(), strconv.Itoa(gen), name), &st); err != nil {
			t.Fatal(err)
		}
		st.Atim = unix.Timespec{} // reading is allowed (and done below)
		return st
	}
	first := stat(1, "shared")
	tr.writeSource("a.yaml", map[string]string{"db/password": "pw-changed", "token": "tok-alpha-2"})
	if res := tr.install(e, cfg); res.Generation != 2 {
		t.Fatalf("generation %d", res.Generation)
	}
	linked := stat(2, "shared")
	if linked.Ino != first.Ino || linked.Nlink != 2 {
		t.Fatalf("not shared: ino %d/%d nlink %d", first.Ino, linked.Ino, linked.Nlink)
	}
	if linked.Mtim != first.Mtim {
		t.Error("carrying the file wrote to it")
	}

	// The test's directories are root-only 0700: open them so that only the generation's
	// own permissions decide.
	for d := tr.root; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	newPath := filepath.Join(tr.mount(), "2", "shared")
	asUser := func(script string) error {
		cmd := exec.Command("sh", "-c", script, "sh", newPath)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: testUID2, Gid: testGID, Groups: []uint32{testGID}}}
		return cmd.Run()
	}
	if err := asUser(`cat "$1" >/dev/null`); err != nil {
		t.Fatalf("the group member cannot read the file it may read (%v): the attempts below would prove nothing", err)
	}
	for _, attempt := range []string{
		`printf x >>"$1"`, `printf x >"$1"`, `truncate -s 0 "$1"`, `chmod 0666 "$1"`, `chgrp 0 "$1"`,
		`rm -f "$1"`, `mv "$1" "$1.x"`, `ln -f "$1" "$1.x"`, `touch "$1"`,
	} {
		if err := asUser(attempt); err == nil {
			t.Errorf("as %s: %s succeeded on a shared file", testUser2, attempt)
		}
	}
	if after := stat(1, "shared"); after != linked {
		t.Fatalf("the shared inode changed under the attempts:\n%+v\n%+v", linked, after)
	}

	// An owner change, then a mode change: new inodes; the shared one is untouched.
	cfg.Secrets[idx].Group = Owner{ID: 0}
	res := tr.install(e, cfg)
	cfg.Secrets[idx].Mode = 0o400
	res2 := tr.install(e, cfg)
	for _, g := range []int{res.Generation, res2.Generation} {
		if st := stat(g, "shared"); st.Ino == linked.Ino {
			t.Errorf("generation %d shares the inode after an attribute change", g)
		}
	}
	if got := stat(3, "shared"); got.Gid != 0 || got.Mode&0o7777 != 0o440 {
		t.Errorf("generation 3: gid %d mode %04o", got.Gid, got.Mode&0o7777)
	}
	if got := stat(4, "shared"); got.Mode&0o7777 != 0o400 {
		t.Errorf("generation 4: mode %04o", got.Mode&0o7777)
	}
	for _, g := range []int{1, 2} {
		if after := stat(g, "shared"); after != linked {
			t.Errorf("generation %d's inode changed: %+v, was %+v", g, after, linked)
		}
	}
	b1, _ := os.ReadFile(filepath.Join(tr.mount(), "1", "shared"))
	if digestOf(string(b1)) != digestOf("api-beta-3") {
		t.Error("the shared file's bytes changed")
	}
}
