// Package testenv lets tests declare what they need (root, mount namespaces, Nix, the real sops
// or age CLI, gpg) and skip with a clear reason when it is missing. Under HUSH_REQUIRE_ALL=1
// (set by .ci/test-all when it runs as root and has installed everything) a missing need is a
// failure instead, so CI cannot go green by skipping.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

func missing(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("HUSH_REQUIRE_ALL") == "1" {
		t.Fatalf("required by HUSH_REQUIRE_ALL=1 but missing: %s", reason)
	}
	t.Skip("skipped: " + reason)
}

// Root skips unless the test runs as uid 0.
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "needs root")
	}
}

// Tool returns the path of an external program, preferring the environment variable env
// (e.g. HUSH_SOPS) and then $PATH; it skips when the program is absent.
func Tool(t testing.TB, env, name string) string {
	t.Helper()
	if env != "" {
		if p := os.Getenv(env); p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, "needs "+name+" on $PATH (or $"+env+")")
	}
	return p
}

// Sops returns the real sops CLI (v3.13.3 in CI).
func Sops(t testing.TB) string { t.Helper(); return Tool(t, "HUSH_SOPS", "sops") }

// Age returns Debian's age CLI.
func Age(t testing.TB) string { t.Helper(); return Tool(t, "HUSH_AGE", "age") }

// Nix skips unless nix-build and nix-store are available and the test runs as root (the
// notes in shared/NIX-TESTING.md: builds as root against the local store).
func Nix(t testing.TB) {
	t.Helper()
	Tool(t, "", "nix-build")
	Tool(t, "", "nix-store")
	Root(t)
}

// Short skips in -short mode (long-running tests).
func Short(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped in -short mode: " + why)
	}
}
