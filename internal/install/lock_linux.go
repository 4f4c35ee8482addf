package install

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// acquireLock takes an exclusive flock on ".<base>.hush-lock" next to the mount point,
// blocking until it is free. It lives beside the mount point, not in it, so that two first
// runs cannot both mount a RAM filesystem (the second would shadow the first); two trees
// (system and user mode) get different locks. The kernel drops the lock when the process
// dies, so a SIGKILLed install never wedges the next one.
func acquireLock(mountPoint string) (release func(), err error) {
	parent, base := filepath.Split(filepath.Clean(mountPoint))
	pfd, err := mkdirAllNoFollow(parent, 0o755, nil)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	defer unix.Close(pfd)
	fd, err := unix.Openat(pfd, "."+base+".hush-lock", unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	for {
		err = unix.Flock(fd, unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock: %w", err)
	}
	return func() { unix.Close(fd) }, nil
}
