package cli

import (
	"errors"
	"os/exec"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	// exits CODE PROG ARGS...: run PROG (e.g. hush) and require exit status CODE; its stdout
	// and stderr are kept for the next stdout/stderr checks. scan and redact have
	// meaningful statuses (0 clean, 1 leak, 2 error; redact passes the command's through).
	scriptCmds["exits"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 2 {
			ts.Fatalf("usage: exits CODE PROG ARGS...")
		}
		want, err := strconv.Atoi(args[0])
		if err != nil {
			ts.Fatalf("exits: bad code %q", args[0])
		}
		err = ts.Exec(args[1], args[2:]...)
		got := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			got = ee.ExitCode()
		} else if err != nil {
			ts.Fatalf("exits: %v", err)
		}
		if got != want {
			ts.Fatalf("exit status %d, want %d", got, want)
		}
	}
}
