package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/testenv"
)

// A throwaway test identity (also in testdata/install_sopsnix.txtar).
const (
	argv0Identity  = "AGE-SECRET-KEY-150ESZ6RXEE4LY8J2RSP9NAHAWD4RSSY93R85SUT90MQN9F65YA2QWNLHQP"
	argv0Recipient = "age15dx56vjgu2fxeks2lukkr7w639w0snf66wu654wqtqfgy5q7qgnqyxkx9s"
)

// buildHush builds cmd/hush into the test's temporary directory (removed afterwards; the
// go build cache makes the second build a link) and links it as sops-install-secrets, the
// way sops.package = hush exposes it: the real binary, dispatching on argv[0].
func buildHush(t *testing.T) (hush, sis string) {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = testenv.Tool(t, "HUSH_GO", "go") // skips, or fails under HUSH_REQUIRE_ALL
	}
	dir := t.TempDir()
	hush, sis = filepath.Join(dir, "hush"), filepath.Join(dir, "sops-install-secrets")
	cmd := exec.Command(gobin, "build", "-o", hush, "github.com/hush-nix/hush/cmd/hush")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := os.Symlink("hush", sis); err != nil {
		t.Fatal(err)
	}
	return hush, sis
}

type runResult struct {
	code           int
	stdout, stderr string
}

func runBin(t *testing.T, env []string, bin string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return runResult{code, out.String(), errb.String()}
}

// sopsNixManifest writes a manifest as sops-nix's module does (every field it emits).
func sopsNixManifest(t *testing.T, dir, mount, link, src, keyFile string, userMode bool) string {
	t.Helper()
	m := fmt.Sprintf(`{
  "secrets": [
    {"name": "app/db", "key": "db", "path": "%[2]s/app/db", "owner": "root", "uid": 0, "group": "root", "gid": 0,
     "sopsFile": "%[3]s", "format": "yaml", "mode": "0400", "restartUnits": ["db.service"], "reloadUnits": []},
    {"name": "token", "key": "token", "path": "%[2]s/token", "owner": null, "uid": 0, "group": null, "gid": 0,
     "sopsFile": "%[3]s", "format": "yaml", "mode": "0440", "restartUnits": [], "reloadUnits": ["app.service"]}
  ],
  "templates": [
    {"name": "app.conf", "content": "db=<DB>\n", "path": "%[2]s/rendered/app.conf", "mode": "0400",
     "owner": null, "uid": 0, "group": null, "gid": 0, "file": "", "restartUnits": [], "reloadUnits": []}
  ],
  "placeholderBySecretName": {"app/db": "<DB>", "token": "<TOKEN>"},
  "secretsMountPoint": "%[1]s",
  "symlinkPath": "%[2]s",
  "keepGenerations": 1,
  "sshKeyPaths": [],
  "gnupgHome": "",
  "ageKeyFile": "%[4]s",
  "ageSshKeyPaths": [],
  "useTmpfs": false,
  "userMode": %[5]t,
  "logging": {"keyImport": true, "secretChanges": true}
}`, mount, link, src, keyFile, userMode)
	p := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(p, []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func argv0Fixture(t *testing.T, hush string) (dir, src, keyFile string) {
	t.Helper()
	dir = t.TempDir()
	keyFile = filepath.Join(dir, "key.txt")
	plain := filepath.Join(dir, "plain.yaml")
	src = filepath.Join(dir, "secrets.yaml")
	if err := os.WriteFile(keyFile, []byte(argv0Identity+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain, []byte("db: argv0-pw-1\ntoken: argv0-tok-2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runBin(t, nil, hush, "encrypt", "--age", argv0Recipient, "--output", src, plain); r.code != 0 {
		t.Fatalf("encrypt: %d %s", r.code, r.stderr)
	}
	return dir, src, keyFile
}

func noPlaintext(t *testing.T, r runResult) {
	t.Helper()
	for _, v := range []string{"argv0-pw-1", "argv0-tok-2", "argv0-pw-3"} {
		if strings.Contains(r.stdout+r.stderr, v) {
			t.Fatalf("a secret value appeared in the output (%d bytes)", len(r.stdout+r.stderr))
		}
	}
}

// TestSopsInstallSecretsArgv0: the hush binary invoked as sops-install-secrets accepts
// every flag and form sops-nix's NixOS, home-manager and nix-darwin modules use
// (`MANIFEST`, `-ignore-passwd MANIFEST`, `-check-mode=manifest|sopsfile MANIFEST`), in
// user mode (home-manager's form).
func TestSopsInstallSecretsArgv0(t *testing.T) {
	hush, sis := buildHush(t)
	dir, src, keyFile := argv0Fixture(t, hush)
	rt := filepath.Join(dir, "rt")
	if err := os.Mkdir(rt, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"XDG_RUNTIME_DIR=" + rt, "SOPS_AGE_KEY_FILE=", "HUSH_AGE_KEY_FILE="}
	man := sopsNixManifest(t, dir, "%r/secrets.d", "%r/secrets", src, keyFile, true)

	for _, mode := range []string{"manifest", "sopsfile"} {
		if r := runBin(t, env, sis, "-check-mode="+mode, man); r.code != 0 || r.stdout != "" {
			t.Errorf("-check-mode=%s: exit %d, stdout %q, stderr %q", mode, r.code, r.stdout, r.stderr)
		}
	}
	// A key path missing from the file: only the sopsfile check sees it.
	bad := filepath.Join(dir, "bad")
	if err := os.Mkdir(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	badMan := sopsNixManifest(t, bad, "%r/secrets.d", "%r/secrets", src, keyFile, true)
	b, _ := os.ReadFile(badMan)
	if err := os.WriteFile(badMan, bytes.Replace(b, []byte(`"key": "token"`), []byte(`"key": "nope"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runBin(t, env, sis, "-check-mode=manifest", badMan); r.code != 0 {
		t.Errorf("-check-mode=manifest on a missing key: exit %d (%s)", r.code, r.stderr)
	}
	if r := runBin(t, env, sis, "-check-mode=sopsfile", badMan); r.code != 1 || !strings.Contains(r.stderr, src) || !strings.Contains(r.stderr, "nope") {
		t.Errorf("-check-mode=sopsfile on a missing key: exit %d, stderr %q (want the file and key named)", r.code, r.stderr)
	}
	if r := runBin(t, env, sis, "-check-mode=bogus", man); r.code != 1 || !strings.Contains(r.stderr, "invalid value provided for -check-mode flag: bogus") {
		t.Errorf("-check-mode=bogus: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := runBin(t, env, sis); r.code == 0 {
		t.Error("no manifest: exit 0")
	}
	if r := runBin(t, env, sis, "-no-such-flag", man); r.code == 0 {
		t.Error("unknown flag: exit 0")
	}
	if r := runBin(t, env, sis, "-h"); r.code != 0 || !strings.Contains(r.stderr, "-check-mode") || !strings.Contains(r.stderr, "-ignore-passwd") {
		t.Errorf("-h: exit %d, stderr %q", r.code, r.stderr)
	}

	// home-manager's activation: -ignore-passwd MANIFEST. First activation prints nothing.
	r := runBin(t, env, sis, "-ignore-passwd", man)
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("install: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	noPlaintext(t, r)
	want := map[string]string{"secrets/app/db": "argv0-pw-1", "secrets/token": "argv0-tok-2", "secrets/rendered/app.conf": "db=argv0-pw-1\n"}
	for rel, v := range want {
		got, err := os.ReadFile(filepath.Join(rt, rel))
		if err != nil || !bytes.Equal(got, []byte(v)) {
			t.Errorf("%s: %d bytes, %v (want %d bytes)", rel, len(got), err, len(v))
		}
	}
	// The NixOS form (no flag) on the same tree: nothing changed, nothing printed.
	if r := runBin(t, env, sis, man); r.code != 0 || r.stdout != "" {
		t.Errorf("re-run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// `hush sops-install-secrets` is the same entry point.
	if r := runBin(t, env, hush, "sops-install-secrets", "-check-mode=manifest", man); r.code != 0 {
		t.Errorf("hush sops-install-secrets: exit %d %s", r.code, r.stderr)
	}
	// hush status reads the tree a sops-nix manifest made.
	if r := runBin(t, env, hush, "status", "--json", man); r.code != 0 || !strings.Contains(r.stdout, `"app/db"`) {
		t.Errorf("status: exit %d, %q", r.code, r.stderr)
	} else {
		noPlaintext(t, r)
	}

	// A key that no longer exists (the manifest changed): exit 2, the value kept (stale), and
	// neither the installer's output, hush status (exit 2), --json nor status.json holds a value.
	b, _ = os.ReadFile(man)
	if err := os.WriteFile(man, bytes.Replace(b, []byte(`"key": "token"`), []byte(`"key": "gone"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runBin(t, env, sis, man)
	noPlaintext(t, r)
	if r.code != 2 {
		t.Errorf("partial install: exit %d, stderr %q", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(rt, "secrets/token")); string(got) != "argv0-tok-2" {
		t.Errorf("stale value not kept (%d bytes)", len(got))
	}
	st := runBin(t, env, hush, "status", man)
	noPlaintext(t, st)
	if st.code != 2 || !strings.Contains(st.stdout, "stale") || !strings.Contains(st.stdout, "gone") {
		t.Errorf("status: exit %d, stdout %q", st.code, st.stdout)
	}
	js := runBin(t, env, hush, "status", "--json", man)
	noPlaintext(t, js)
	if !strings.Contains(js.stdout, `"state": "stale"`) {
		t.Errorf("status --json: %q", js.stdout)
	}
	raw, err := os.ReadFile(filepath.Join(rt, "secrets/.hush/status.json"))
	if err != nil {
		t.Fatal(err)
	}
	noPlaintext(t, runResult{stdout: string(raw)})
}

// TestSopsInstallSecretsArgv0System: the system form as root, in a private mount
// namespace: a ramfs mounted at the mount point, generation 0751, -ignore-passwd makes
// everything root:root, the change report on stdout as sops-install-secrets prints it, and
// the restart list written.
func TestSopsInstallSecretsArgv0System(t *testing.T) {
	testenv.Root(t)
	unshare := testenv.Tool(t, "HUSH_UNSHARE", "unshare")
	hush, sis := buildHush(t)
	dir, src, keyFile := argv0Fixture(t, hush)
	mount, link := filepath.Join(dir, "run/secrets.d"), filepath.Join(dir, "run/secrets")
	man := sopsNixManifest(t, dir, mount, link, src, keyFile, false)
	nixos := "/run/nixos" // switch-to-configuration's, on a private tmpfs over /run
	// One shell in one namespace: install, change a value, install again, report the facts.
	script := fmt.Sprintf(`set -e
mount -t tmpfs -o mode=0755 none /run
mkdir /run/nixos
%[1]s -ignore-passwd %[2]s
echo "--ramfs: $(stat -f -c %%T %[3]s) $(stat -c %%a:%%u:%%g %[4]s/) $(stat -c %%a:%%u:%%g %[4]s/app/db) $(stat -c %%a %[4]s/token)"
SOPS_AGE_KEY_FILE=%[5]s %[6]s set %[7]s '["db"]' '"argv0-pw-3"'
%[1]s -ignore-passwd %[2]s
echo "--restart: $(cat %[8]s/activation-restart-list | tr '\n' ' ')"
echo "--reload: $(cat %[8]s/activation-reload-list 2>/dev/null | tr '\n' ' ')"
`, sis, man, mount, link, keyFile, hush, src, nixos)
	cmd := exec.Command(unshare, "-m", "--propagation", "private", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+filepath.Join(dir, "rt"), "SOPS_AGE_KEY_FILE=", "HUSH_AGE_KEY_FILE=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: stderr %q stdout %q", err, errb.String(), out.String())
	}
	noPlaintext(t, runResult{0, out.String(), errb.String()})
	got := out.String()
	for _, w := range []string{"--ramfs: ramfs 751:0:0 400:0:0 440", "modifying secret: app/db\n", "modifying rendered secret: app.conf\n",
		"--restart: db.service \n", "--reload: \n"} {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q:\n%s", w, got)
		}
	}
}
