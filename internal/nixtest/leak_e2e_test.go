package nixtest

import (
	"encoding/base64"
	"encoding/hex"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// leakCase is one way a secret reaches the world-readable store or a log, and where hush
// scan must find it.
type leakCase struct {
	secret   string // name of the secret (its file in --secrets-dir)
	attr     string // derivation attribute of the corpus
	file     func(c *corpus) string
	drvAttr  string   // for a finding in a .drv: the attribute holding it
	encoding string   // as hush scan reports it
	forms    []string // the encoded forms an independent grep looks for
}

type corpus struct {
	e       *Env
	file    string
	drv     map[string]string // corpus attribute -> .drv path
	out     map[string]string // corpus attribute -> output path
	secrets map[string]string
}

// buildLeakCorpus builds the leak corpus: each derivation leaks its own secret in one way.
func buildLeakCorpus(t *testing.T, e *Env) *corpus {
	c := &corpus{e: e, drv: map[string]string{}, out: map[string]string{}, secrets: map[string]string{}}
	for _, n := range []string{"attr", "structured", "getenv", "pathlit", "echo", "b64", "hex"} {
		c.secrets[n] = secretValue(t)
	}
	n := e.Nonce
	e.WriteFile("token-"+n, c.secrets["pathlit"], 0o600)
	echo := e.WriteFile("outside/echo-secret", c.secrets["echo"], 0o600)
	b64 := e.WriteFile("outside/b64-secret", c.secrets["b64"], 0o600)
	hx := e.WriteFile("outside/hex-secret", c.secrets["hex"], 0o600)
	e.WriteFile("leaks.nix", `let
  sh = name: script: extra: derivation ({
    name = "${name}-`+n+`"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ];
  } // extra);
in {
  # 1. the credential as a derivation attribute
  attr = sh "leak-attr" "echo ok > $out" { apiToken = `+nixString(c.secrets["attr"])+`; };
  # 1b. the same with __structuredAttrs: every attribute is inside the __json entry
  structured = sh "leak-structured" "echo ok > $out" { __structuredAttrs = true; deploy = { apiToken = `+nixString(c.secrets["structured"])+`; }; };
  # 2. read from the environment at evaluation time (no --impure needed for nix-build)
  getenv = sh "leak-getenv" "echo ok > $out" { curlOpts = "-u user:${builtins.getEnv "HUSH_E2E_GETENV"}"; };
  # 3. a path literal: the file is copied into the store
  pathlit = sh "leak-pathlit" "echo ok > $out" { tokenFile = ./token-`+n+`; };
  # 4. a builder that prints it: the build log
  echo = sh "leak-echo" "echo token is $(/bin/cat `+echo+`); echo ok > $out" { };
  # 5. base64 and hex of it in an output
  b64 = sh "leak-b64" "/usr/bin/base64 -w0 `+b64+` > $out" { };
  hex = sh "leak-hex" "/usr/bin/od -An -v -tx1 `+hx+` | /usr/bin/tr -d ' \\n' > $out" { };
}
`, 0o644)
	c.file = filepath.Join(e.Dir, "leaks.nix")
	env := []string{"HUSH_E2E_GETENV=" + c.secrets["getenv"]}
	for _, a := range []string{"attr", "structured", "getenv", "pathlit", "echo", "b64", "hex"} {
		c.drv[a] = e.Instantiate(env, c.file, a)
		if a == "structured" {
			continue // the leak is in the .drv, written at instantiation; nothing to build
		}
		c.out[a] = e.MustBuild(env, c.file, a)[0]
	}
	return c
}

func (c *corpus) logOf(attr string) string {
	base := filepath.Base(c.drv[attr])
	return filepath.Join(c.e.LogRoot, "drvs", base[:2], base[2:]+".bz2")
}

func leakCases(c *corpus) []leakCase {
	s := c.secrets
	return []leakCase{
		{secret: "attr", file: func(c *corpus) string { return c.drv["attr"] }, drvAttr: "apiToken", encoding: "raw", forms: []string{s["attr"]}},
		{secret: "structured", file: func(c *corpus) string { return c.drv["structured"] }, drvAttr: `structured attribute "deploy.apiToken"`, encoding: "raw", forms: []string{s["structured"]}},
		{secret: "getenv", file: func(c *corpus) string { return c.drv["getenv"] }, drvAttr: "curlOpts", encoding: "raw", forms: []string{s["getenv"]}},
		{secret: "pathlit", file: func(c *corpus) string { return c.sourceOf("token-" + c.e.Nonce) }, encoding: "raw", forms: []string{s["pathlit"]}},
		{secret: "echo", file: func(c *corpus) string { return c.logOf("echo") }, encoding: "raw", forms: []string{s["echo"]}},
		{secret: "b64", file: func(c *corpus) string { return c.out["b64"] }, encoding: "base64",
			forms: []string{base64.StdEncoding.EncodeToString([]byte(s["b64"]))}},
		{secret: "hex", file: func(c *corpus) string { return c.out["hex"] }, encoding: "hex",
			forms: []string{hex.EncodeToString([]byte(s["hex"]))}},
	}
}

// sourceOf finds the store path a path literal named name was copied to.
func (c *corpus) sourceOf(name string) string {
	for _, p := range c.e.OwnPaths() {
		if strings.HasSuffix(p, "-"+name) {
			return p
		}
	}
	return "(not in the store)"
}

// TestLeakCorpusFound: every leak path of docs/private-derivations.md, built with real Nix,
// is found by hush scan with the right file, .drv attribute and encoding, and grep/bzgrep
// finds the same files.
func TestLeakCorpusFound(t *testing.T) {
	e := New(t)
	c := buildLeakCorpus(t, e)
	cases := leakCases(c)

	// The independent check first: grep/bzgrep for each encoded form.
	wantFiles := map[string]bool{}
	for _, lc := range cases {
		f := lc.file(c)
		wantFiles[f] = true
		hits := GrepFiles(t, lc.forms, append(e.OwnPaths(), e.LogRoot)...)
		if len(hits) != 1 || hits[0] != f {
			t.Errorf("%s: grep/bzgrep finds it in %v, want only %s", lc.secret, hits, f)
		}
	}

	scanned := e.OwnPaths()
	res := Scan(t, []string{"NIX_LOG_DIR=" + e.LogRoot},
		append([]string{"--secrets-dir", secretsDir(e, c.secrets), "--build-logs"}, scanned...)...)
	if res.Exit != 1 {
		t.Errorf("hush scan exit %d, want 1 (leak found)\n%s", res.Exit, res.Stderr)
	}
	for _, lc := range cases {
		want := lc.file(c)
		found := false
		for _, f := range res.Findings {
			if f.Secret != lc.secret || !(f.File == want || strings.HasPrefix(f.File, want+"/")) {
				continue
			}
			found = true
			if f.Encoding != lc.encoding {
				t.Errorf("%s: encoding %q, want %q", lc.secret, f.Encoding, lc.encoding)
			}
			if lc.drvAttr != "" && !strings.Contains(f.Attribute, lc.drvAttr) {
				t.Errorf("%s: attribute %q, want %q", lc.secret, f.Attribute, lc.drvAttr)
			}
		}
		if !found {
			t.Errorf("%s: not found in %s; findings: %+v", lc.secret, want, res.Findings)
		}
	}
	// And nothing else: hush and grep agree on the set of files.
	var extra []string
	for _, f := range res.Findings {
		ok := false
		for w := range wantFiles {
			if f.File == w || strings.HasPrefix(f.File, w+"/") {
				ok = true
			}
		}
		if !ok {
			extra = append(extra, f.Secret+" in "+f.File)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("findings grep does not confirm: %v", extra)
	}

	// The path literal's copy is a source of the .drv, not an output: the closure of the
	// .drv holds it (docs/private-derivations.md).
	res = Scan(t, nil, "--secrets-dir", filepath.Join(e.Dir, "secrets"), "--closure", c.drv["pathlit"])
	want := c.sourceOf("token-" + e.Nonce)
	if res.Exit != 1 || len(res.Findings) != 1 || res.Findings[0].Secret != "pathlit" || res.Findings[0].File != want {
		t.Errorf("scan --closure of the .drv: exit %d, findings %+v, want pathlit in %s", res.Exit, res.Findings, want)
	}
}
