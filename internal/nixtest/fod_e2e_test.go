package nixtest

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/testenv"
)

// credentialDir makes a directory outside t.TempDir (whose 0700 parents the build users
// cannot traverse) for credential files, removed at the end of the test.
func credentialDir(t *testing.T) string {
	d, err := os.MkdirTemp("", "hush-e2e-cred-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func writeCredential(t *testing.T, path, content string, gid int, mode os.FileMode) {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 0, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// TestPrivateFixedOutputCredentialFile: fetchurlWithCredentialFile (curl in a fixed-output
// derivation) reads a bearer token from a file outside the store. Checked as documented in
// docs/private-derivations.md: with build users (nixbld) the file must be root:nixbld 0640
// (0600 fails, with hush's message); with the sandbox on it must be in extra-sandbox-paths.
// The token is in no store path, .drv or log.
func TestPrivateFixedOutputCredentialFile(t *testing.T) {
	e := New(t)
	curl := testenv.Tool(t, "", "curl")
	token := secretValue(t)
	body := []byte("artifact behind a bearer token " + e.Nonce + "\n")
	srv := NewAuthServer(t, "", "", token, body)
	dir := credentialDir(t)
	cred := filepath.Join(dir, "header")

	e.WriteFile("fod.nix", `let lib = import `+RepoPath("nix/lib")+`; in builtins.listToAttrs (map (n: {
  name = n;
  value = lib.fetchurlWithCredentialFile {
    url = "`+srv.URL+`/artifact"; name = "fod-${n}-`+e.Nonce+`"; hash = "`+sri(body)+`";
    credentialFile = "`+cred+`"; kind = "header"; curl = "`+curl+`";
  };
}) [ "root" "nixbld-0640" "nixbld-0600" "sandbox" "sandbox-missing" ])
`, 0o644)
	file := filepath.Join(e.Dir, "fod.nix")
	header := "Authorization: Bearer " + token + "\n"

	t.Run("root", func(t *testing.T) {
		writeCredential(t, cred, header, 0, 0o600)
		out := e.MustBuild(nil, file, "root")
		if b, _ := os.ReadFile(out[0]); string(b) != string(body) {
			t.Fatalf("fetched %d bytes, want %d", len(b), len(body))
		}
	})

	t.Run("build-users", func(t *testing.T) {
		g, err := user.LookupGroup("nixbld")
		if err != nil {
			t.Skip("no nixbld group on this machine")
		}
		gid, _ := strconv.Atoi(g.Gid)
		users := []string{"--option", "build-users-group", "nixbld"}
		writeCredential(t, cred, header, gid, 0o600)
		r := e.Build(nil, file, "nixbld-0600", users...)
		if r.Err == nil {
			t.Fatal("root-only 0600 credential was readable by the build user")
		}
		if !strings.Contains(r.Stderr, "cannot read the credential file") {
			t.Errorf("failure does not explain itself:\n%s", lastLine(r.Stderr))
		}
		writeCredential(t, cred, header, gid, 0o640)
		out := e.MustBuild(nil, file, "nixbld-0640", users...)
		if b, _ := os.ReadFile(out[0]); string(b) != string(body) {
			t.Fatalf("fetched %d bytes, want %d", len(b), len(body))
		}
	})

	t.Run("sandbox", func(t *testing.T) {
		writeCredential(t, cred, header, 0, 0o600)
		base := "/bin/sh=/usr/bin/dash /lib /lib64 /usr/lib " + curl
		sandbox := []string{"--option", "sandbox", "true"}
		r := e.Build(nil, file, "sandbox-missing", append(sandbox, "--option", "extra-sandbox-paths", base)...)
		if r.Err == nil {
			t.Fatal("the sandboxed builder read a credential file that was not in extra-sandbox-paths")
		}
		if !strings.Contains(r.Stderr, "cannot read the credential file") {
			t.Errorf("sandboxed failure is not the missing credential:\n%s", lastLine(r.Stderr))
		}
		out := e.MustBuild(nil, file, "sandbox", append(sandbox, "--option", "extra-sandbox-paths", base+" "+cred)...)
		if b, _ := os.ReadFile(out[0]); string(b) != string(body) {
			t.Fatalf("fetched %d bytes, want %d", len(b), len(body))
		}
	})

	if srv.Granted.Load() == 0 {
		t.Fatal("the server granted nothing")
	}
	if hits := GrepFiles(t, []string{token}, append(e.OwnPaths(), e.LogRoot)...); len(hits) > 0 {
		t.Errorf("grep/bzgrep found the token in %v", hits)
	}
	res := Scan(t, []string{"NIX_LOG_DIR=" + e.LogRoot},
		append([]string{"--secrets-dir", secretsDir(e, map[string]string{"token": token, "header": strings.TrimSpace(header)}), "--build-logs"}, e.OwnPaths()...)...)
	if res.Exit != 0 || len(res.Findings) != 0 {
		t.Errorf("hush scan: exit %d, findings %+v\n%s", res.Exit, res.Findings, res.Stderr)
	}
}
