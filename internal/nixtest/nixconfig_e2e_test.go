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

// TestNixConfigLines: the lines `hush nix-config` prints, appended to a real nix.conf, are
// what Nix needs: builtin fetchurl authenticates from the netrc-file, a sandboxed fixed-output
// builder reads the credential file through extra-sandbox-paths, and the post-build hook fails
// a leaking build. No --option on the command line.
func TestNixConfigLines(t *testing.T) {
	e := New(t)
	hush := Hush(t)
	RequireScan(t)
	curl := testenv.Tool(t, "", "curl")
	pass, token := secretValue(t), secretValue(t)
	body := []byte("configured fetch " + e.Nonce + "\n")
	srv := NewAuthServer(t, "ci", pass, token, body)
	netrc := e.WriteFile("netrc", "machine 127.0.0.1 login ci password "+pass+"\n", 0o600)
	cred := filepath.Join(credentialDir(t), "header")
	gid, mode := 0, os.FileMode(0o600)
	if g, err := user.LookupGroup("nixbld"); err == nil {
		gid, _ = strconv.Atoi(g.Gid)
		mode = 0o640 // as documented; hush nix-config warns otherwise
	}
	writeCredential(t, cred, "Authorization: Bearer "+token+"\n", gid, mode)
	sdir := secretsDir(e, map[string]string{"netrc-password": pass, "bearer": token})

	r := e.Run(nil, hush, "nix-config", "--hook-script", "--hush", hush, "--secrets-dir", sdir)
	if r.Err != nil {
		t.Fatalf("--hook-script: %v\n%s", r.Err, r.Stderr)
	}
	hook := e.WriteFile("hook.sh", r.Stdout, 0o755)
	r = e.Run(nil, hush, "nix-config", "--netrc-file", netrc, "--post-build-hook", hook, "--sandbox-path", cred)
	if r.Err != nil || (mode == 0o640 && r.Stderr != "") {
		t.Fatalf("nix-config: %v\n%s", r.Err, r.Stderr)
	}
	conf := filepath.Join(e.ConfDir, "nix.conf")
	old, _ := os.ReadFile(conf)
	// The test's base config: offline, root builds, sandbox with what a /bin/sh builder and
	// curl need on Debian; then hush's lines.
	base := strings.Replace(string(old), "netrc-file = ", "# netrc-file = ", 1) +
		"sandbox = true\nextra-sandbox-paths = /bin/sh=/usr/bin/dash /lib /lib64 /usr/lib " + curl + "\n"
	e.WriteFile("nixconf/nix.conf", base+r.Stdout, 0o644)

	e.WriteFile("conf.nix", `let lib = import `+RepoPath("nix/lib")+`; n = "`+e.Nonce+`"; in {
  netrc = lib.fetchurlPrivate { url = "`+srv.URL+`/a"; name = "conf-netrc-${n}"; hash = "`+sri(body)+`"; };
  fod = lib.fetchurlWithCredentialFile { url = "`+srv.URL+`/b"; name = "conf-fod-${n}"; hash = "`+sri(body)+`";
    credentialFile = "`+cred+`"; kind = "header"; curl = "`+curl+`"; };
  leak = derivation { name = "conf-leak-${n}"; system = builtins.currentSystem; builder = "/bin/sh";
    args = [ "-c" "echo ok > $out" ]; password = "`+pass+`"; };
}
`, 0o644)
	file := filepath.Join(e.Dir, "conf.nix")
	for _, a := range []string{"netrc", "fod"} {
		out := e.MustBuild(nil, file, a)
		if b, _ := os.ReadFile(out[0]); string(b) != string(body) {
			t.Errorf("%s: fetched %d bytes, want %d", a, len(b), len(body))
		}
	}
	if r := e.Build(nil, file, "leak"); r.Err == nil || !strings.Contains(r.Stderr, "post-build-hook") {
		t.Errorf("the hook from nix.conf did not fail the leaking build: %v\n%s", r.Err, r.Stderr)
	}
}
