package install

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/testenv"

	"golang.org/x/sys/unix"
)

// Test users and groups. They exist only in this package's private mount namespace: the
// test binary re-executes itself under `unshare -m --propagation private` and bind-mounts
// private copies of /etc/passwd and /etc/group there, so the host's databases never change.
const (
	testUser1, testUID1   = "hushtest-alice", 61001
	testUser2, testUID2   = "hushtest-bob", 61002
	testGroup, testGID    = "hushtest-svc", 61010
	envInNamespace        = "HUSH_INSTALL_TEST_NS"
	envChild              = "HUSH_INSTALL_TEST_CHILD"
	namespaceUnavailable  = "HUSH_INSTALL_TEST_NO_NS"
	privateEtcDescription = "private /etc/passwd and /etc/group in a mount namespace"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(childMain())
	}
	if os.Geteuid() == 0 && os.Getenv(envInNamespace) == "" {
		if code, ok := reexecInNamespace(); ok {
			os.Exit(code)
		}
		os.Setenv(namespaceUnavailable, "1")
	}
	if os.Getenv(envInNamespace) == "1" {
		dir, err := setupPrivateEtc()
		if err != nil {
			fmt.Fprintln(os.Stderr, "install tests: private /etc:", err)
			os.Exit(1)
		}
		code := m.Run()
		// The mounts vanish with the namespace; the empty directory would stay in /tmp.
		_ = unix.Unmount("/etc", unix.MNT_DETACH)
		_ = unix.Unmount(dir, unix.MNT_DETACH)
		_ = os.Remove(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// reexecInNamespace runs this test binary again inside a private mount namespace.
func reexecInNamespace() (int, bool) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return 0, false
	}
	self, err := os.Executable()
	if err != nil {
		return 0, false
	}
	cmd := exec.Command(unshare, append([]string{"-m", "--propagation", "private", self}, os.Args[1:]...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), envInNamespace+"=1")
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), true
		}
		return 0, false
	}
	return 0, true
}

// setupPrivateEtc gives the namespace its own /etc: a copy on a tmpfs, bind-mounted over
// /etc, with the test users and groups added and any "keys" group removed, so that the
// first install creates it with groupadd exactly as on a fresh host.
func setupPrivateEtc() (string, error) {
	dir, err := os.MkdirTemp("", "hush-etc-")
	if err != nil {
		return "", err
	}
	if err := unix.Mount("none", dir, "tmpfs", 0, "mode=0755"); err != nil {
		return dir, err
	}
	if out, err := exec.Command("cp", "-a", "/etc/.", dir).CombinedOutput(); err != nil {
		return dir, fmt.Errorf("copying /etc: %v: %s", err, out)
	}
	edit := func(name string, drop string, lines ...string) error {
		p := filepath.Join(dir, name)
		old, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var keep []string
		for _, l := range strings.Split(strings.TrimRight(string(old), "\n"), "\n") {
			if drop == "" || !strings.HasPrefix(l, drop) {
				keep = append(keep, l)
			}
		}
		keep = append(keep, lines...)
		return os.WriteFile(p, []byte(strings.Join(keep, "\n")+"\n"), 0o644)
	}
	if err := edit("passwd", "",
		fmt.Sprintf("%s:x:%d:%d::/nonexistent:/usr/sbin/nologin", testUser1, testUID1, testGID),
		fmt.Sprintf("%s:x:%d:%d::/nonexistent:/usr/sbin/nologin", testUser2, testUID2, testGID)); err != nil {
		return dir, err
	}
	if err := edit("group", "keys:", fmt.Sprintf("%s:x:%d:", testGroup, testGID)); err != nil {
		return dir, err
	}
	if _, err := os.Stat(filepath.Join(dir, "gshadow")); err == nil {
		if err := edit("gshadow", "keys:", testGroup+":!::"); err != nil {
			return dir, err
		}
	}
	return dir, unix.Mount(dir, "/etc", "", unix.MS_BIND, "")
}

// needNamespace skips unless the test runs as root inside the private mount namespace.
func needNamespace(t *testing.T) {
	t.Helper()
	testenv.Root(t)
	if os.Getenv(envInNamespace) != "1" {
		if os.Getenv("HUSH_REQUIRE_ALL") == "1" {
			t.Fatal("required by HUSH_REQUIRE_ALL=1 but missing: unshare(1) for a private mount namespace")
		}
		t.Skip("skipped: needs unshare(1) for a private mount namespace")
	}
}
