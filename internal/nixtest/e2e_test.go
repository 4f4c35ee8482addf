package nixtest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	CleanupHush()
	os.Exit(code)
}

// secretValue returns a throwaway credential: 24 random letters and digits (no byte Nix,
// the ATerm writer or the shell would escape, so the raw form is the one to find).
func secretValue(t testing.TB) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func sri(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(h[:])
}

// nixString quotes s as a Nix string literal.
func nixString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// secretsDir writes one file per secret (name -> value) for `hush scan --secrets-dir`.
func secretsDir(e *Env, secrets map[string]string) string {
	for name, v := range secrets {
		e.WriteFile("secrets/"+name, v, 0o600)
	}
	return filepath.Join(e.Dir, "secrets")
}

func values(secrets map[string]string) []string {
	var out []string
	for _, v := range secrets {
		out = append(out, v)
	}
	return out
}

// TestPrivateFetchNetrc: fetchurlPrivate gets a file that the loopback server serves only
// with the credential, which Nix reads from the netrc-file setting; without the netrc the
// fetch is refused. Neither hush scan nor grep/bzgrep finds the credential in the new store
// paths, their .drv files or the build logs.
func TestPrivateFetchNetrc(t *testing.T) {
	e := New(t)
	login, pass := "hush-"+e.Nonce, secretValue(t)
	body := []byte("private artifact " + e.Nonce + "\n")
	srv := NewAuthServer(t, login, pass, "", body)
	netrc := e.WriteFile("netrc", "machine 127.0.0.1\nlogin "+login+"\npassword "+pass+"\n", 0o600)

	e.WriteFile("fetch.nix", `let lib = import `+RepoPath("nix/lib")+`; in {
  ok = lib.fetchurlPrivate { url = "`+srv.URL+`/artifact"; name = "artifact-`+e.Nonce+`"; hash = "`+sri(body)+`"; };
  buildUsers = lib.fetchurlPrivate { url = "`+srv.URL+`/artifact"; name = "artifact-nixbld-`+e.Nonce+`"; hash = "`+sri(body)+`"; };
  denied = lib.fetchurlPrivate { url = "`+srv.URL+`/artifact"; name = "denied-`+e.Nonce+`"; hash = "`+sri(body)+`"; };
}
`, 0o644)
	file := filepath.Join(e.Dir, "fetch.nix")

	if r := e.Build(nil, file, "denied"); r.Err == nil {
		t.Fatal("fetch without the netrc succeeded")
	}
	if srv.Refused.Load() == 0 {
		t.Fatal("server saw no refused request")
	}

	outs := e.MustBuild(nil, file, "ok", "--option", "netrc-file", netrc)
	got, err := os.ReadFile(outs[0])
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("fetched %d bytes (%v), want the %d served", len(got), err, len(body))
	}
	if srv.Granted.Load() == 0 {
		t.Fatal("server granted nothing")
	}
	// With build users, a root-only netrc still works: Nix reads it before dropping to nixbld.
	if _, err := user.LookupGroup("nixbld"); err == nil {
		outs := e.MustBuild(nil, file, "buildUsers", "--option", "netrc-file", netrc, "--option", "build-users-group", "nixbld")
		if got, _ := os.ReadFile(outs[0]); !bytes.Equal(got, body) {
			t.Errorf("with build users: fetched %d bytes, want %d", len(got), len(body))
		}
	}

	secrets := map[string]string{"netrc-password": pass, "netrc": "login " + login + "\npassword " + pass}
	scanned := e.OwnPaths()
	if len(scanned) < 3 { // the two .drv files and the output
		t.Fatalf("own store paths: %d", len(scanned))
	}
	if hits := GrepFiles(t, []string{pass}, append(scanned, e.LogRoot)...); len(hits) > 0 {
		t.Errorf("grep/bzgrep found the credential in %v", hits)
	}
	res := Scan(t, []string{"NIX_LOG_DIR=" + e.LogRoot},
		append([]string{"--secrets-dir", secretsDir(e, secrets), "--build-logs"}, scanned...)...)
	if res.Exit != 0 || len(res.Findings) != 0 {
		t.Errorf("hush scan: exit %d, %d findings %+v\n%s", res.Exit, len(res.Findings), res.Findings, res.Stderr)
	}
	if want := CountFiles(t, append(scanned, e.LogRoot)...); res.Files != want {
		t.Errorf("hush scan read %d files, want all %d of the store paths and logs", res.Files, want)
	}
}
