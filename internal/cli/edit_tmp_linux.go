package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Filesystem magic numbers of RAM-backed filesystems (statfs f_type).
const (
	tmpfsMagic = 0x01021994
	ramfsMagic = 0x858458f6
)

// editTemp is where the plaintext sits while the editor runs: a file in a private RAM
// directory, or a memfd.
type editTemp struct {
	dir  string   // private directory holding the file ("" for a memfd)
	file string   // path of the file in dir
	mfd  *os.File // the memfd, when used
}

// onRAM reports whether dir is on tmpfs or ramfs.
func onRAM(dir string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false, err
	}
	return st.Type == tmpfsMagic || st.Type == ramfsMagic, nil
}

func newEditTemp(target, explicitDir string, memfd, allowDisk bool) (*editTemp, error) {
	name := "hush-edit-" + filepath.Base(target)
	if memfd {
		return newMemfdTemp(name)
	}
	if explicitDir != "" {
		ram, err := onRAM(explicitDir)
		if err != nil {
			return nil, fmt.Errorf("--tmpdir: %w", err)
		}
		if !ram && !allowDisk {
			return nil, fmt.Errorf("--tmpdir %s is on a persistent filesystem, where the plaintext could survive on disk; use a tmpfs/ramfs directory, or pass --allow-disk-tmp", explicitDir)
		}
		return newDirTemp(explicitDir, name)
	}
	for _, d := range []string{os.Getenv("XDG_RUNTIME_DIR"), "/dev/shm"} {
		if d == "" {
			continue
		}
		if ram, err := onRAM(d); err == nil && ram {
			return newDirTemp(d, name)
		}
	}
	if allowDisk {
		return newDirTemp(os.TempDir(), name)
	}
	return newMemfdTemp(name)
}

func newDirTemp(parent, name string) (*editTemp, error) {
	dir, err := os.MkdirTemp(parent, "hush-edit-*")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		os.Remove(dir)
		return nil, err
	}
	return &editTemp{dir: dir, file: filepath.Join(dir, name)}, nil
}

func newMemfdTemp(name string) (*editTemp, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd: %w; give --tmpdir on a tmpfs, or --allow-disk-tmp", err)
	}
	return &editTemp{mfd: os.NewFile(uintptr(fd), name)}, nil
}

// path is what the editor is given.
func (t *editTemp) path() string {
	if t.mfd != nil {
		return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), t.mfd.Fd())
	}
	return t.file
}

func (t *editTemp) write(b []byte) error {
	if t.mfd != nil {
		if err := t.mfd.Truncate(0); err != nil {
			return err
		}
		_, err := t.mfd.WriteAt(b, 0)
		return err
	}
	return os.WriteFile(t.file, b, 0o600)
}

func (t *editTemp) read() ([]byte, error) {
	if t.mfd != nil {
		if _, err := t.mfd.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return io.ReadAll(t.mfd)
	}
	b, err := os.ReadFile(t.file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.New("the editor removed the temporary file")
	}
	return b, err
}

// remove zeroes and deletes whatever the editor left (the file, swap and backup files).
func (t *editTemp) remove() {
	if t.mfd != nil {
		_ = t.mfd.Truncate(0)
		t.mfd.Close()
		return
	}
	entries, _ := os.ReadDir(t.dir)
	for _, e := range entries {
		p := filepath.Join(t.dir, e.Name())
		if st, err := os.Lstat(p); err == nil && st.Mode().IsRegular() {
			if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
				_, _ = f.Write(make([]byte, st.Size()))
				f.Close()
			}
		}
	}
	os.RemoveAll(t.dir)
}
