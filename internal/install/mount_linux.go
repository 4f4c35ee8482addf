package install

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

const (
	ramfsMagic = 0x858458f6
	tmpfsMagic = 0x01021994
)

// ensureRAMFS makes sure mountPoint is a RAM filesystem (ramfs, or tmpfs with noswap when
// useTmpfs), mounting one when it is not, and that its root is 0751 root:keysGID. It works
// the same inside a private mount namespace (unshare -m), which is how the tests run it.
func ensureRAMFS(mountPoint string, useTmpfs bool, keysGID int) error {
	own := [2]int{0, keysGID}
	fd, err := mkdirAllNoFollow(mountPoint, 0o751, &own)
	if err != nil {
		return fmt.Errorf("mount point: %w", err)
	}
	unix.Close(fd)
	want, fstype := int64(ramfsMagic), "ramfs"
	if useTmpfs {
		want, fstype = tmpfsMagic, "tmpfs"
	}
	var st unix.Statfs_t
	if err := unix.Statfs(mountPoint, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", mountPoint, err)
	}
	// A directory that already carries the wanted filesystem type is taken as mounted: the
	// only way to get ramfs or tmpfs there is a mount (of the parent or of itself), and both
	// keep contents in RAM, which is the property that matters.
	if int64(st.Type) != want {
		flags := uintptr(unix.MS_NODEV | unix.MS_NOSUID | unix.MS_NOEXEC)
		opts := "mode=0751"
		if useTmpfs {
			opts += ",noswap"
		}
		err := unix.Mount("none", mountPoint, fstype, flags, opts)
		if err != nil && useTmpfs && errors.Is(err, unix.EINVAL) {
			// Kernels before 6.4 do not know noswap; tmpfs without it may swap, which the
			// user accepted by choosing tmpfs over ramfs.
			err = unix.Mount("none", mountPoint, fstype, flags, "mode=0751")
		}
		if err != nil {
			return fmt.Errorf("mount %s on %s: %w", fstype, mountPoint, err)
		}
	}
	fd, err = openDirNoFollow(mountPoint)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Fchown(fd, 0, keysGID); err != nil {
		return fmt.Errorf("chown %s: %w", mountPoint, err)
	}
	if err := unix.Fchmod(fd, 0o751); err != nil {
		return fmt.Errorf("chmod %s: %w", mountPoint, err)
	}
	return nil
}
