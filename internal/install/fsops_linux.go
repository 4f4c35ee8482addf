package install

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The primitives in this file never follow a symlink: every path is walked one component
// at a time with O_NOFOLLOW relative to the previous directory's descriptor, so a symlink
// planted by an unprivileged user anywhere on the way makes the operation fail instead of
// redirecting it.

// ErrSymlink is returned (wrapped) when a path component is a symlink where hush refuses
// to follow one.
var ErrSymlink = errors.New("refusing to follow a symlink")

const dirOpenFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// openDirNoFollow opens an absolute directory path without following any symlink.
func openDirNoFollow(path string) (int, error) {
	return walkDirs(path, false, 0, nil)
}

// mkdirAllNoFollow opens path, creating missing directories with mode perm (exactly, not
// subject to umask) and owner (when own is non-nil), never following a symlink.
func mkdirAllNoFollow(path string, perm uint32, own *[2]int) (int, error) {
	return walkDirs(path, true, perm, own)
}

func walkDirs(path string, create bool, perm uint32, own *[2]int) (int, error) {
	if !filepath.IsAbs(path) {
		return -1, fmt.Errorf("%s: not an absolute path", path)
	}
	fd, err := unix.Open("/", dirOpenFlags, 0)
	if err != nil {
		return -1, fmt.Errorf("open /: %w", err)
	}
	sofar := ""
	for _, comp := range strings.Split(filepath.Clean(path), "/") {
		if comp == "" {
			continue
		}
		sofar += "/" + comp
		next, err := openatDir(fd, comp)
		if errors.Is(err, unix.ENOENT) && create {
			next, err = mkdirat(fd, comp, perm, own)
			if errors.Is(err, unix.EEXIST) { // lost a race with another creator: reopen
				next, err = openatDir(fd, comp)
			}
		}
		unix.Close(fd)
		if err != nil {
			return -1, fmt.Errorf("%s: %w", sofar, err)
		}
		fd = next
	}
	return fd, nil
}

// openatDir opens the directory name inside dirfd; a symlink gives ErrSymlink.
func openatDir(dirfd int, name string) (int, error) {
	fd, err := unix.Openat(dirfd, name, dirOpenFlags, 0)
	if err == nil {
		return fd, nil
	}
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		var st unix.Stat_t
		if unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return -1, ErrSymlink
		}
	}
	return -1, err
}

// mkdirat creates name inside dirfd owner-only (0700: the creator must be able to open
// it without root's override), sets owner and then the exact mode on the new directory's
// descriptor (so umask plays no part and the directory is never more open than perm), and
// returns the descriptor.
func mkdirat(dirfd int, name string, perm uint32, own *[2]int) (int, error) {
	if err := unix.Mkdirat(dirfd, name, 0o700); err != nil {
		return -1, err
	}
	fd, err := openatDir(dirfd, name)
	if err != nil {
		return -1, err
	}
	if own != nil {
		if err := unix.Fchown(fd, own[0], own[1]); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("chown %d:%d: %w", own[0], own[1], err)
		}
	}
	if err := unix.Fchmod(fd, perm); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("chmod %o: %w", perm, err)
	}
	return fd, nil
}

// fileSpec says how a staged file is made.
type fileSpec struct {
	UID, GID int
	Mode     uint32
	Chown    bool // false in user mode: the file stays the caller's
	// Umask is the process umask (from /proc/self/status), or -1 when unknown.
	Umask int
}

// direct says the file may be created with its final mode at once: its final owner is
// the creator (root:root as root, or anyone in user mode), so the only people who can
// open it at creation are those the final mode allows; and the umask removes none of the
// mode's bits, so no fchmod is needed. This saves two of five syscalls per file.
func (s fileSpec) direct() bool {
	if s.Umask < 0 || uint32(s.Umask)&s.Mode != 0 || s.Mode&^0o777 != 0 {
		return false
	}
	return !s.Chown || (s.UID == 0 && s.GID == 0 && os.Getegid() == 0)
}

// processUmask reads the umask without changing it (changing it would race with other
// goroutines); -1 when /proc does not say.
func processUmask() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Umask:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
			if err == nil {
				return int(n)
			}
		}
	}
	return -1
}

// createFile creates name inside dirfd exclusively (never through a symlink, never over an
// existing file) with mode 0, sets owner then mode on the descriptor, and only then writes
// data. At no instant can anyone the final mode excludes open it: until the fchmod the
// mode is 0000, and only root bypasses that.
func createFile(dirfd int, name string, data []byte, spec fileSpec) error {
	const flags = unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW | unix.O_CLOEXEC
	if spec.direct() {
		fd, err := unix.Openat(dirfd, name, flags, spec.Mode)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		createStep("direct", fd)
		return writeAll(fd, data)
	}
	fd, err := unix.Openat(dirfd, name, flags, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	createStep("created", fd)
	if spec.Chown {
		if err := unix.Fchown(fd, spec.UID, spec.GID); err != nil {
			return fmt.Errorf("chown %d:%d: %w", spec.UID, spec.GID, err)
		}
	}
	createStep("owned", fd)
	// fchmod after fchown: chown clears set-id bits, so the order keeps the exact mode.
	if err := unix.Fchmod(fd, spec.Mode); err != nil {
		return fmt.Errorf("chmod %o: %w", spec.Mode, err)
	}
	createStep("moded", fd)
	return writeAll(fd, data)
}

func writeAll(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("write: %w", err)
		}
		data = data[n:]
	}
	return nil
}

// createStep lets tests observe a file between the steps of createFile (its mode must
// never exceed the final one). A no-op outside tests.
var createStep = func(step string, fd int) {}

// readFileAt reads name inside dirfd without following a symlink (used to carry bytes from
// the previous generation and to compare old and new contents).
func readFileAt(dirfd int, name string) ([]byte, error) {
	// O_NONBLOCK: a FIFO planted instead of a file cannot block the install. Raw reads, no
	// fstat and no os.File: carrying 10,000 secrets over is 30,000 syscalls, not 70,000.
	// Generation directories are root's, so only files hush wrote are met here, and for a
	// regular file a short read is its end.
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var small [4096]byte
	buf := small[:]
	n := 0
	for {
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		n += m
		if m == 0 || n < len(buf) {
			break
		}
		buf = append(buf, make([]byte, len(buf))...)
	}
	return append([]byte(nil), buf[:n]...), nil
}

// openParentNoFollow opens the parent of a relative slash path inside root (creating the
// intermediate directories with perm/own when create is set) and returns its fd and the
// base name.
func openParentNoFollow(rootfd int, rel string, create bool, perm uint32, own *[2]int) (int, string, error) {
	parts := strings.Split(rel, "/")
	fd, err := unix.Dup(rootfd)
	if err != nil {
		return -1, "", err
	}
	for _, comp := range parts[:len(parts)-1] {
		next, err := openatDir(fd, comp)
		if errors.Is(err, unix.ENOENT) && create {
			next, err = mkdirat(fd, comp, perm, own)
		}
		unix.Close(fd)
		if err != nil {
			return -1, "", fmt.Errorf("%s: %w", comp, err)
		}
		fd = next
	}
	return fd, parts[len(parts)-1], nil
}

// removeAllAt removes name inside dirfd recursively, never following symlinks (a symlink is
// removed as an entry, its target is left alone).
func removeAllAt(dirfd int, name string) error {
	err := unix.Unlinkat(dirfd, name, 0)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if !errors.Is(err, unix.EISDIR) && !errors.Is(err, unix.EPERM) {
		return err
	}
	fd, err := openatDir(dirfd, name)
	if err != nil {
		return err
	}
	d := os.NewFile(uintptr(fd), name)
	names, rerr := d.Readdirnames(-1)
	for _, n := range names {
		if err := removeAllAt(fd, n); err != nil {
			d.Close()
			return fmt.Errorf("%s/%s: %w", name, n, err)
		}
	}
	d.Close()
	if rerr != nil {
		return rerr
	}
	err = unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

// readDirNames lists a directory by fd (the fd stays open).
func readDirNames(dirfd int) ([]string, error) {
	fd, err := unix.Dup(dirfd)
	if err != nil {
		return nil, err
	}
	d := os.NewFile(uintptr(fd), "dir")
	defer d.Close()
	if _, err := d.Seek(0, 0); err != nil {
		return nil, err
	}
	return d.Readdirnames(-1)
}
