package nixtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	hushOnce sync.Once
	hushBin  string
	hushErr  string
)

// Hush builds cmd/hush once per test process (static, so it also runs as a Nix builder or
// post-build hook) and returns its path. Call CleanupHush from TestMain to remove it.
func Hush(t testing.TB) string {
	t.Helper()
	hushOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hush-e2e-bin-")
		if err != nil {
			hushErr = err.Error()
			return
		}
		out := filepath.Join(dir, "hush")
		root := moduleRoot()
		cmd := exec.Command("go", "build", "-o", out, "./cmd/hush")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			hushErr = "go build ./cmd/hush: " + err.Error() + "\n" + string(b)
			os.RemoveAll(dir)
			return
		}
		hushBin = out
	})
	if hushBin == "" {
		t.Fatalf("building hush: %s", hushErr)
	}
	return hushBin
}

// CleanupHush removes the binary Hush built.
func CleanupHush() {
	if hushBin != "" {
		os.RemoveAll(filepath.Dir(hushBin))
	}
}

// moduleRoot finds the directory holding go.mod, upwards from the working directory.
func moduleRoot() string {
	d, _ := os.Getwd()
	for {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/hush-nix/hush") {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "."
		}
		d = parent
	}
}

// RepoPath returns the absolute path of rel inside the repository (e.g. "nix/lib").
func RepoPath(rel string) string { return filepath.Join(moduleRoot(), rel) }
