package cli

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hush": func() { os.Exit(Main(os.Args)) },
	})
}

// TestScripts runs every CLI flow in testdata/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: false,
		Setup:               scriptSetup,
		Cmds:                scriptCmds,
		Condition:           scriptCondition,
	})
}
