package cli

import (
	"github.com/rogpeppe/go-internal/testscript"
)

// scriptSetup prepares each script's environment: no real HOME, no inherited keys.
func scriptSetup(env *testscript.Env) error {
	env.Setenv("HOME", env.WorkDir+"/home")
	env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/home/.config")
	env.Setenv("XDG_RUNTIME_DIR", env.WorkDir+"/run")
	env.Setenv("SOPS_AGE_KEY_FILE", "")
	env.Setenv("SOPS_AGE_KEY", "")
	env.Setenv("HUSH_AGE_KEY_FILE", "")
	env.Setenv("GNUPGHOME", env.WorkDir+"/home/.gnupg")
	return nil
}

// scriptCmds are extra testscript commands shared by all scripts.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){}
