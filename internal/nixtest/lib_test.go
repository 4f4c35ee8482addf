package nixtest

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/testenv"
)

// TestLibRefusesLeaks evaluates nix/lib (no build, no root: a dummy store) and checks that
// every argument that would put a credential into the world-readable store stops evaluation
// with a message saying what to do, and that the correct calls evaluate.
func TestLibRefusesLeaks(t *testing.T) {
	bin := testenv.Tool(t, "", "nix-instantiate")
	const h = `sha256 = "0000000000000000000000000000000000000000000000000000";`
	const sri = `"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="`
	cases := []struct {
		name, expr, want string // want "" = evaluates
	}{
		{"netrc ok", `(l.fetchurlPrivate { url = "https://example.com/f"; ` + h + ` }).name`, ""},
		{"netrc sri ok", `(l.fetchurlPrivate { url = "https://example.com/f"; hash = ` + sri + `; }).outputHash`, ""},
		{"userinfo", `(l.fetchurlPrivate { url = "https://u:p@example.com/f"; ` + h + ` }).name`, "holds user information"},
		{"curlOpts", `(l.fetchurlPrivate { url = "https://example.com/f"; curlOpts = "-u a:b"; ` + h + ` }).name`, "argument 'curlOpts' refused"},
		{"token arg", `(l.fetchurlPrivate { url = "https://example.com/f"; token = "x"; ` + h + ` }).name`, "argument 'token' refused"},
		{"unknown arg", `(l.fetchurlPrivate { url = "https://example.com/f"; foo = 1; ` + h + ` }).name`, "unexpected argument 'foo'"},
		{"no hash", `(l.fetchurlPrivate { url = "https://example.com/f"; }).name`, "must be fixed-output"},
		{"fod ok", `(l.privateFixedOutput { name = "x"; credentialFile = "/run/hush/t"; script = "true"; outputHash = ` + sri + `; }).credentialFile`, ""},
		{"fod path literal", `(l.privateFixedOutput { name = "x"; credentialFile = /run/hush/t; script = ""; outputHash = ` + sri + `; }).name`, "is a path literal"},
		{"fod relative", `(l.privateFixedOutput { name = "x"; credentialFile = "token"; script = ""; outputHash = ` + sri + `; }).name`, "is not absolute"},
		{"fod in store", `(l.privateFixedOutput { name = "x"; credentialFile = "${builtins.storeDir}/abc-token"; script = ""; outputHash = ` + sri + `; }).name`, "world-readable"},
		{"fod no hash", `(l.privateFixedOutput { name = "x"; credentialFile = "/run/t"; script = ""; outputHash = ""; }).name`, "outputHash is required"},
		{"fod env credential", `(l.privateFixedOutput { name = "x"; credentialFile = "/run/t"; script = ""; outputHash = ` + sri + `; env.credential = "s"; }).name`, "must not set credential"},
		{"curl ok", `(l.fetchurlWithCredentialFile { url = "https://e.com/f"; credentialFile = "/run/t"; curl = "/usr/bin/curl"; hash = ` + sri + `; }).url`, ""},
		{"curl userinfo", `(l.fetchurlWithCredentialFile { url = "https://a:b@e.com/f"; credentialFile = "/run/t"; curl = "/usr/bin/curl"; hash = ` + sri + `; }).url`, "holds user information"},
		{"curl kind", `(l.fetchurlWithCredentialFile { url = "https://e.com/f"; credentialFile = "/run/t"; curl = "/usr/bin/curl"; kind = "query"; hash = ` + sri + `; }).url`, `kind must be`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expr := "let l = import " + RepoPath("nix/lib") + "; in " + c.expr
			cmd := exec.Command(bin, "--eval", "--strict", "--store", "dummy://", "-E", expr)
			cmd.Env = append(cmd.Environ(), "NIX_REMOTE=", "NIX_PATH=")
			out, err := cmd.CombinedOutput()
			if c.want == "" {
				if err != nil {
					t.Fatalf("does not evaluate: %v\n%s", err, out)
				}
				return
			}
			if err == nil || !strings.Contains(string(out), c.want) {
				t.Fatalf("want an error with %q, got %v:\n%s", c.want, err, out)
			}
		})
	}
}
