package cli

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"
)

// scriptSetup prepares each script's environment: no real HOME, no inherited keys.
func scriptSetup(env *testscript.Env) error {
	env.Setenv("HOME", env.WorkDir+"/home")
	env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/home/.config")
	env.Setenv("XDG_RUNTIME_DIR", env.WorkDir+"/run")
	env.Setenv("SOPS_AGE_KEY_FILE", "")
	env.Setenv("SOPS_AGE_KEY", "")
	env.Setenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE", "")
	env.Setenv("SOPS_CONFIG", "")
	env.Setenv("SOPS_EDITOR", "")
	env.Setenv("HUSH_AGE_KEY_FILE", "")
	env.Setenv("HUSH_EDIT_TMPDIR", "")
	env.Setenv("SOPS_DISABLE_VERSION_CHECK", "1")
	env.Setenv("GNUPGHOME", env.WorkDir+"/home/.gnupg")
	if p := externalTool("HUSH_SOPS", "sops"); p != "" {
		env.Setenv("HUSH_SOPS", p)
	}
	return nil
}

// externalTool finds a real CLI used for interop checks: $env, else $PATH.
func externalTool(env, name string) string {
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}

// scriptCondition adds [sops], [age] and [gpg]: the real sops CLI ($HUSH_SOPS or $PATH),
// Debian's age CLI and GnuPG. Under HUSH_REQUIRE_ALL=1 a missing tool fails the script instead of
// skipping it, so CI cannot go green by skipping the interop checks.
//
// [tmpondisk] holds when the scripts' work directories (under os.TempDir) are on a
// persistent filesystem, so that edit's refusal of a disk temp dir can be shown there.
func scriptCondition(cond string) (bool, error) {
	var env, name string
	switch cond {
	case "tmpondisk":
		ram, err := onRAM(os.TempDir())
		return err == nil && !ram, err
	case "sops":
		env, name = "HUSH_SOPS", "sops"
	case "age":
		env, name = "HUSH_AGE", "age"
	case "gpg":
		env, name = "HUSH_GPG", "gpg"
	default:
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if externalTool(env, name) != "" {
		return true, nil
	}
	if os.Getenv("HUSH_REQUIRE_ALL") == "1" {
		return false, fmt.Errorf("condition [%s]: %s is required by HUSH_REQUIRE_ALL=1 but missing (set $%s)", cond, name, env)
	}
	return false, nil
}

// scriptCmds are extra testscript commands shared by all scripts.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// sops ARGS...: run the real sops CLI (guard scripts with [sops]).
	"sops": func(ts *testscript.TestScript, neg bool, args []string) {
		p := externalTool("HUSH_SOPS", "sops")
		if p == "" {
			ts.Fatalf("sops: not found (guard the line with [sops])")
		}
		err := ts.Exec(p, args...)
		if neg {
			if err == nil {
				ts.Fatalf("sops %s: unexpected success", strings.Join(args, " "))
			}
			return
		}
		ts.Check(err)
	},
	// genkey FILE VAR: write a new age identity to FILE (0600) and set $VAR to its recipient.
	"genkey": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 2 {
			ts.Fatalf("usage: genkey FILE VAR")
		}
		id, err := age.GenerateX25519Identity()
		ts.Check(err)
		body := fmt.Sprintf("# public key: %s\n%s\n", id.Recipient(), id)
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(body), 0o600))
		ts.Setenv(args[1], id.Recipient().String())
	},
	// notcontains FILE TEXT: FILE must not contain TEXT (checks that a plaintext value
	// never reached an encrypted file, without printing the file).
	"notcontains": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: notcontains FILE TEXT")
		}
		b, err := os.ReadFile(ts.MkAbs(args[0]))
		ts.Check(err)
		has := strings.Contains(string(b), args[1])
		if has != neg {
			if neg {
				ts.Fatalf("%s does not contain the text", args[0])
			}
			ts.Fatalf("%s contains the text", args[0])
		}
	},
}
