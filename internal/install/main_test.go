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
	testKeysGIDIfAbsent   = 61096
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
		if err := setupPrivateEtc(); err != nil {
			fmt.Fprintln(os.Stderr, "install tests: private /etc:", err)
			os.Exit(1)
		}
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

func setupPrivateEtc() error {
	dir, err := os.MkdirTemp("", "hush-etc-")
	if err != nil {
		return err
	}
	add := func(name string, lines ...string) error {
		old, err := os.ReadFile("/etc/" + name)
		if err != nil {
			return err
		}
		text := string(old)
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		for _, l := range lines {
			if !strings.Contains(text, "\n"+strings.SplitN(l, ":", 2)[0]+":") && !strings.HasPrefix(text, strings.SplitN(l, ":", 2)[0]+":") {
				text += l + "\n"
			}
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return err
		}
		return unix.Mount(p, "/etc/"+name, "", unix.MS_BIND, "")
	}
	if err := add("passwd",
		fmt.Sprintf("%s:x:%d:%d::/nonexistent:/usr/sbin/nologin", testUser1, testUID1, testGID),
		fmt.Sprintf("%s:x:%d:%d::/nonexistent:/usr/sbin/nologin", testUser2, testUID2, testGID)); err != nil {
		return err
	}
	return add("group",
		fmt.Sprintf("%s:x:%d:", testGroup, testGID),
		fmt.Sprintf("keys:x:%d:", testKeysGIDIfAbsent))
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
