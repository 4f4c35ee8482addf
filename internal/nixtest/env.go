package nixtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/testenv"
)

// Env is one test's view of Nix: its own NIX_CONF_DIR and NIX_LOG_DIR, and a nonce that every
// derivation name of the test carries.
type Env struct {
	t       testing.TB
	Dir     string // scratch directory of the test (Nix files, credentials, hook scripts)
	ConfDir string // NIX_CONF_DIR
	LogRoot string // NIX_LOG_DIR; build logs are under LogRoot/drvs
	Nonce   string // lower-case hex, unique per Env
	Extra   []string
}

// New skips unless Nix can build here (root, nix-build), and prepares a configuration that
// builds offline as root against the local store (shared/NIX-TESTING.md). At the end of the
// test every store path whose name holds the nonce is deleted.
func New(t testing.TB) *Env {
	t.Helper()
	testenv.Nix(t)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e := &Env{
		t:       t,
		Dir:     dir,
		ConfDir: filepath.Join(dir, "nixconf"),
		LogRoot: filepath.Join(dir, "nixlog"),
		Nonce:   hex.EncodeToString(b[:]),
	}
	for _, d := range []string{e.ConfDir, e.LogRoot} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf := "substituters =\nbuild-users-group =\nsandbox = false\n" +
		// Keep a stray netrc of the host out: tests that want one set it.
		"netrc-file = " + filepath.Join(e.ConfDir, "no-netrc") + "\n"
	e.WriteFile("nixconf/nix.conf", conf, 0o644)
	t.Cleanup(e.deleteOwnPaths)
	return e
}

// WriteFile writes content to Dir/rel with mode, creating directories, and returns the path.
func (e *Env) WriteFile(rel, content string, mode os.FileMode) string {
	e.t.Helper()
	p := filepath.Join(e.Dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// Environ is the environment Nix commands run with: the caller's, with a local store, this
// test's configuration and log directory, and no NIX_PATH or NIX_CONFIG from outside.
func (e *Env) Environ(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "NIX_REMOTE", "NIX_CONF_DIR", "NIX_LOG_DIR", "NIX_PATH", "NIX_CONFIG", "NIX_USER_CONF_FILES":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "NIX_REMOTE=", "NIX_CONF_DIR="+e.ConfDir, "NIX_LOG_DIR="+e.LogRoot,
		"NIX_USER_CONF_FILES="+filepath.Join(e.ConfDir, "none.conf"))
	env = append(env, e.Extra...)
	return append(env, extra...)
}

// Result is a finished Nix command.
type Result struct {
	Stdout, Stderr string
	Err            error
}

// Lines returns the non-empty lines of stdout.
func (r Result) Lines() []string {
	var out []string
	for _, l := range strings.Split(r.Stdout, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Run runs a Nix command (nix-build, nix-instantiate, nix-store ...) in Dir.
func (e *Env) Run(env []string, name string, args ...string) Result {
	e.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = e.Dir
	cmd.Env = e.Environ(env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

// Build runs nix-build (no out-link) on file -A attr with extra arguments and the
// environment additions env; it returns the result without failing the test.
func (e *Env) Build(env []string, file, attr string, args ...string) Result {
	e.t.Helper()
	a := []string{file, "--no-out-link"}
	if attr != "" {
		a = append(a, "-A", attr)
	}
	return e.Run(env, "nix-build", append(a, args...)...)
}

// MustBuild is Build that fails the test on error and returns the output paths.
func (e *Env) MustBuild(env []string, file, attr string, args ...string) []string {
	e.t.Helper()
	r := e.Build(env, file, attr, args...)
	if r.Err != nil {
		e.t.Fatalf("nix-build %s -A %s: %v\n%s", filepath.Base(file), attr, r.Err, r.Stderr)
	}
	return r.Lines()
}

// Instantiate returns the .drv path of file -A attr.
func (e *Env) Instantiate(env []string, file, attr string) string {
	e.t.Helper()
	r := e.Run(env, "nix-instantiate", file, "-A", attr)
	if r.Err != nil || len(r.Lines()) != 1 {
		e.t.Fatalf("nix-instantiate %s -A %s: %v\n%s", filepath.Base(file), attr, r.Err, r.Stderr)
	}
	return r.Lines()[0]
}

// OwnPaths lists the store paths whose name holds the nonce.
func (e *Env) OwnPaths() []string {
	m, _ := filepath.Glob("/nix/store/*" + e.Nonce + "*")
	var out []string
	for _, p := range m {
		if !strings.HasSuffix(p, ".lock") && !strings.HasSuffix(p, ".chroot") {
			out = append(out, p)
		}
	}
	return out
}

// deleteOwnPaths removes this test's store paths (never the rest of the shared store).
func (e *Env) deleteOwnPaths() {
	// Nix leaves the lock files of failed builds behind; they are plain files.
	locks, _ := filepath.Glob("/nix/store/*" + e.Nonce + "*.lock")
	for _, l := range locks {
		os.Remove(l)
	}
	paths := e.OwnPaths()
	if len(paths) == 0 {
		return
	}
	var valid []string
	for _, p := range paths {
		if e.Run(nil, "nix-store", "--check-validity", p).Err == nil {
			valid = append(valid, p)
		} else {
			// Left behind by a failed build and never registered: not Nix's any more.
			os.RemoveAll(p)
		}
	}
	if len(valid) == 0 {
		return
	}
	r := e.Run(nil, "nix-store", append([]string{"--delete"}, valid...)...)
	if r.Err != nil {
		e.t.Logf("cleanup: nix-store --delete: %v: %s", r.Err, lastLine(r.Stderr))
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Name returns a derivation name for this test: base-<nonce>.
func (e *Env) Name(base string) string { return fmt.Sprintf("%s-%s", base, e.Nonce) }
