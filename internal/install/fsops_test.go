package install

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCreateFileExactUnderAnyUmask(t *testing.T) {
	needNamespace(t)
	modes := []uint32{0o400, 0o440, 0o640, 0o600, 0o755, 0o000, 0o444}
	var got [2][]unix.Stat_t
	for i, mask := range []int{0o000, 0o077} {
		old := syscall.Umask(mask)
		dir := t.TempDir()
		fd, err := mkdirAllNoFollow(filepath.Join(dir, "a/b"), 0o751, &[2]int{0, testGID})
		if err != nil {
			syscall.Umask(old)
			t.Fatal(err)
		}
		for j, m := range modes {
			if err := createFile(fd, "f"+string(rune('0'+j)), []byte("x"), fileSpec{UID: testUID1, GID: testGID, Mode: m, Chown: true, Umask: processUmask()}); err != nil {
				t.Fatal(err)
			}
			// root:root files take the direct path when the umask allows it.
			if err := createFile(fd, "r"+string(rune('0'+j)), []byte("x"), fileSpec{Mode: m, Chown: true, Umask: processUmask()}); err != nil {
				t.Fatal(err)
			}
			var rst unix.Stat_t
			if err := unix.Fstatat(fd, "r"+string(rune('0'+j)), &rst, unix.AT_SYMLINK_NOFOLLOW); err != nil || rst.Mode&0o7777 != m || rst.Uid != 0 || rst.Gid != 0 {
				t.Errorf("umask %03o: root file mode %04o, got %04o %d:%d", mask, m, rst.Mode&0o7777, rst.Uid, rst.Gid)
			}
			var st unix.Stat_t
			if err := unix.Fstatat(fd, "f"+string(rune('0'+j)), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				t.Fatal(err)
			}
			got[i] = append(got[i], st)
		}
		var dst unix.Stat_t
		_ = unix.Fstat(fd, &dst)
		unix.Close(fd)
		syscall.Umask(old)
		if dst.Mode&0o7777 != 0o751 || dst.Gid != testGID {
			t.Errorf("umask %03o: directory mode %o gid %d, want 0751 gid %d", mask, dst.Mode&0o7777, dst.Gid, testGID)
		}
	}
	for j, m := range modes {
		a, b := got[0][j], got[1][j]
		if a.Mode&0o7777 != m || b.Mode&0o7777 != m || a.Uid != testUID1 || b.Uid != testUID1 || a.Gid != testGID || b.Gid != testGID {
			t.Errorf("mode %04o: got %04o %d:%d (umask 000) and %04o %d:%d (umask 077)", m, a.Mode&0o7777, a.Uid, a.Gid, b.Mode&0o7777, b.Uid, b.Gid)
		}
	}
}

// TestCreateFileNeverMoreOpen watches every step of a file's creation: before the final
// fchmod the mode is 0000 (nobody but root may open it), and no byte is written before the
// owner and mode are final.
func TestCreateFileNeverMoreOpen(t *testing.T) {
	needNamespace(t)
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	fd, err := openDirNoFollow(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var steps []string
	createStep = func(step string, fd int) {
		var st unix.Stat_t
		_ = unix.Fstat(fd, &st)
		if st.Size != 0 {
			t.Errorf("%s: %d bytes written before the mode was final", step, st.Size)
		}
		switch step {
		case "created", "owned":
			if st.Mode&0o7777 != 0 {
				t.Errorf("%s: mode %04o, want 0000 until the final chmod", step, st.Mode&0o7777)
			}
		case "moded":
			if st.Mode&0o7777 != 0o440 || st.Uid != testUID2 {
				t.Errorf("%s: %04o uid %d", step, st.Mode&0o7777, st.Uid)
			}
		}
		steps = append(steps, step)
	}
	defer func() { createStep = func(string, int) {} }()
	if err := createFile(fd, "s", []byte("value"), fileSpec{UID: testUID2, GID: testGID, Mode: 0o440, Chown: true}); err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 {
		t.Fatalf("steps %v", steps)
	}
	if processUmask() != 0 {
		t.Errorf("processUmask %o, want 0 (set by this test)", processUmask())
	}
}

func TestNoFollow(t *testing.T) {
	needNamespace(t)
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.MkdirAll(victim, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(victim, "target"), []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	// A symlink as a directory component is never walked through.
	if _, err := mkdirAllNoFollow(filepath.Join(dir, "link/sub"), 0o755, nil); !errors.Is(err, ErrSymlink) {
		t.Errorf("mkdirAll through a symlink: %v, want ErrSymlink", err)
	}
	if _, err := openDirNoFollow(filepath.Join(dir, "link")); !errors.Is(err, ErrSymlink) {
		t.Errorf("open symlink as dir: %v", err)
	}
	// A symlink at the file's name is neither followed nor replaced by createFile.
	fd, err := openDirNoFollow(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := os.Symlink(filepath.Join(victim, "target"), filepath.Join(dir, "f")); err != nil {
		t.Fatal(err)
	}
	if err := createFile(fd, "f", []byte("x"), fileSpec{Mode: 0o400}); !errors.Is(err, unix.EEXIST) {
		t.Errorf("createFile over a symlink: %v, want EEXIST", err)
	}
	if _, err := readFileAt(fd, "f"); err == nil {
		t.Error("readFileAt followed a symlink")
	}
	if b, _ := os.ReadFile(filepath.Join(victim, "target")); string(b) != "precious" {
		t.Error("victim file changed")
	}
	// removeAllAt removes a symlink entry, not what it points at.
	if err := removeAllAt(fd, "link"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(victim, "target")); err != nil {
		t.Errorf("removeAllAt followed the symlink: %v", err)
	}
}

func TestRAMFSMount(t *testing.T) {
	needNamespace(t)
	dir := filepath.Join(t.TempDir(), "m")
	t.Cleanup(func() { unmountAll(dir) })
	for _, tmpfs := range []bool{false, true} {
		if err := ensureRAMFS(dir, tmpfs, testGID); err != nil {
			t.Fatal(err)
		}
		var st unix.Statfs_t
		if err := unix.Statfs(dir, &st); err != nil {
			t.Fatal(err)
		}
		want := int64(ramfsMagic)
		if tmpfs {
			want = tmpfsMagic
		}
		if int64(st.Type) != want {
			t.Errorf("tmpfs=%v: filesystem type %x", tmpfs, st.Type)
		}
		var s unix.Stat_t
		_ = unix.Stat(dir, &s)
		if s.Mode&0o7777 != 0o751 || s.Uid != 0 || s.Gid != testGID {
			t.Errorf("mount root %04o %d:%d", s.Mode&0o7777, s.Uid, s.Gid)
		}
		// Idempotent: a second call on a mounted filesystem mounts nothing new.
		if err := ensureRAMFS(dir, tmpfs, testGID); err != nil {
			t.Fatal(err)
		}
	}
}

// unmountAll removes every mount stacked on dir.
func unmountAll(dir string) {
	for i := 0; i < 10 && unix.Unmount(dir, unix.MNT_DETACH) == nil; i++ {
	}
}
