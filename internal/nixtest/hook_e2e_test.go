package nixtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/testenv"
)

// TestPostBuildHook: with post-build-hook set to the script `hush nix-config --hook-script`
// writes, a build whose log, output, .drv or input sources (a path literal copied into the
// store) hold a secret fails, and a clean build passes.
func TestPostBuildHook(t *testing.T) {
	e := New(t)
	hush := Hush(t)
	RequireScan(t)
	secret := secretValue(t)
	sdir := secretsDir(e, map[string]string{"deploy-token": secret})

	// The hook script, as hush writes it.
	r := e.Run(nil, hush, "nix-config", "--hook-script", "--hush", hush, "--secrets-dir", sdir)
	if r.Err != nil {
		t.Fatalf("hush nix-config --hook-script: %v\n%s", r.Err, r.Stderr)
	}
	hook := e.WriteFile("hook.sh", r.Stdout, 0o755)
	outside := e.WriteFile("outside/deploy-token", secret, 0o600)
	e.WriteFile("token-"+e.Nonce, secret, 0o600) // copied into the store by the path literal

	e.WriteFile("hooked.nix", `let
  sh = name: script: derivation {
    name = "${name}-`+e.Nonce+`"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ];
  };
in {
  clean = sh "hook-clean" "echo building; echo clean output > $out";
  logLeak = sh "hook-log-leak" "echo token=$(/bin/cat `+outside+`); echo ok > $out";
  outLeak = sh "hook-out-leak" "/usr/bin/base64 -w0 `+outside+` > $out";
  attrLeak = derivation { name = "hook-attr-leak-`+e.Nonce+`"; system = builtins.currentSystem; builder = "/bin/sh";
    args = [ "-c" "echo ok > $out" ]; apiToken = `+nixString(secret)+`; };
  # Only an input source holds it: not the .drv (it names the copy), the output or the log.
  pathLeak = derivation { name = "hook-path-leak-`+e.Nonce+`"; system = builtins.currentSystem; builder = "/bin/sh";
    args = [ "-c" "echo ok > $out" ]; tokenFile = ./token-`+e.Nonce+`; };
}
`, 0o644)
	file := filepath.Join(e.Dir, "hooked.nix")
	opt := []string{"--option", "post-build-hook", hook}

	if r := e.Build(nil, file, "clean", opt...); r.Err != nil {
		t.Errorf("clean build failed under the hook: %v\n%s", r.Err, r.Stderr)
	} else if !strings.Contains(r.Stderr, "running post-build-hook") {
		t.Errorf("the hook did not run:\n%s", r.Stderr)
	}
	for _, attr := range []string{"logLeak", "outLeak", "attrLeak", "pathLeak"} {
		r := e.Build(nil, file, attr, opt...)
		if r.Err == nil {
			t.Errorf("%s: the leaking build passed the hook", attr)
			continue
		}
		if !strings.Contains(r.Stderr, "post-build-hook") {
			t.Errorf("%s: failed, but not by the hook:\n%s", attr, r.Stderr)
		}
		// Nix prefixes what the hook prints; the builder's own echo (the leak) is not.
		var report []string
		for _, l := range strings.Split(r.Stderr, "\n") {
			if strings.HasPrefix(l, "post-build-hook: ") {
				report = append(report, l)
			}
		}
		joined := strings.Join(report, "\n")
		if strings.Contains(joined, secret) {
			t.Errorf("%s: the hook's report shows the secret", attr)
		}
		if !strings.Contains(joined, "deploy-token") {
			t.Errorf("%s: the hook's report does not name the secret (%d lines)", attr, len(report))
		}
	}
	_ = os.Remove(hook)
}

// TestCleanCorpus: derivations that handle a credential the documented ways (netrc-file,
// credential file outside the store) plus ordinary ones give no finding, and grep agrees.
func TestCleanCorpus(t *testing.T) {
	e := New(t)
	curl := testenv.Tool(t, "", "curl")
	pass, token := secretValue(t), secretValue(t)
	body := []byte("clean corpus artifact " + e.Nonce + "\n")
	srv := NewAuthServer(t, "ci", pass, token, body)
	netrc := e.WriteFile("netrc", "machine 127.0.0.1 login ci password "+pass+"\n", 0o600)
	cdir := credentialDir(t)
	cred := filepath.Join(cdir, "header")
	writeCredential(t, cred, "Authorization: Bearer "+token+"\n", 0, 0o600)

	e.WriteFile("clean.nix", `let
  lib = import `+RepoPath("nix/lib")+`;
  n = "`+e.Nonce+`";
  sh = name: script: extra: derivation ({
    name = "${name}-${n}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ];
  } // extra);
  fetched = lib.fetchurlPrivate { url = "`+srv.URL+`/a"; name = "clean-netrc-${n}"; hash = "`+sri(body)+`"; };
  fod = lib.fetchurlWithCredentialFile { url = "`+srv.URL+`/b"; name = "clean-fod-${n}"; hash = "`+sri(body)+`";
    credentialFile = "`+cred+`"; kind = "header"; curl = "`+curl+`"; };
in {
  inherit fetched fod;
  uses = sh "clean-uses" "/bin/cat ${fetched} ${fod} > $out; echo used them" { };
  text = sh "clean-text" "echo hello; echo some text > $out" { apiTokenFile = "`+cred+`"; };
  binary = sh "clean-binary" "/bin/dd if=/dev/urandom of=$out bs=64k count=4 2>/dev/null" { };
}
`, 0o644)
	file := filepath.Join(e.Dir, "clean.nix")
	for _, a := range []string{"uses", "text", "binary"} {
		e.MustBuild(nil, file, a, "--option", "netrc-file", netrc)
	}
	vals := []string{pass, token}
	if hits := GrepFiles(t, vals, append(e.OwnPaths(), e.LogRoot)...); len(hits) > 0 {
		t.Errorf("grep/bzgrep found a credential in %v", hits)
	}
	res := Scan(t, []string{"NIX_LOG_DIR=" + e.LogRoot},
		append([]string{"--secrets-dir", secretsDir(e, map[string]string{"netrc-password": pass, "bearer": token}), "--build-logs"}, e.OwnPaths()...)...)
	if res.Exit != 0 || len(res.Findings) != 0 {
		t.Errorf("hush scan of the clean corpus: exit %d, findings %+v\n%s", res.Exit, res.Findings, res.Stderr)
	}
	// Clean because it read everything grep read: every file of the store paths, and every
	// build log (all of this test's derivations; the log directory is the test's own).
	if want := CountFiles(t, append(e.OwnPaths(), e.LogRoot)...); res.Files != want || CountFiles(t, e.LogRoot) == 0 {
		t.Errorf("hush scan read %d files, want %d (store paths and %d logs)", res.Files, want, CountFiles(t, e.LogRoot))
	}
}
