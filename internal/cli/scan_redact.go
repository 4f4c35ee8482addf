package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/hush-nix/hush/internal/leak"
)

func newRedactCmd() *cobra.Command {
	var src secretSources
	cmd := &cobra.Command{
		Use:   "redact [SOURCES] [-- CMD ARGS...]",
		Short: "Mask secret values in a stream, or in a command's output",
		Long: `Copy standard input to standard output, or run CMD with its standard output and standard
error filtered, replacing every form of every secret value (as hush scan finds them) with
[hush:NAME]. The command's exit status is passed through.

Output is written as soon as it cannot be the beginning of a secret; bytes that might be are
held until more input decides, or for at most 100 ms of silence, so interactive output and
prompts are not held back.

  hush redact --secrets-dir /run/secrets -- nix build .#app`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && cmd.ArgsLenAtDash() != 0 {
				return exit2(errors.New("the command to run goes after --"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := src.load()
			if err != nil {
				return exit2(err)
			}
			if len(set.Unscannable) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "hush: not masked, shorter than %d bytes (see --min-length): %s\n", set.MinLength, strings.Join(set.Unscannable, ", "))
			}
			// hush's own messages (a command that does not start, a write error) are masked
			// too: they may quote the command line.
			if len(args) == 0 {
				return redactExit(set, redactStream(cmd.InOrStdin(), cmd.OutOrStdout(), set))
			}
			return redactExit(set, redactCommand(args, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), set))
		},
	}
	src.register(cmd)
	return cmd
}

func redactStream(in io.Reader, out io.Writer, set *leak.PatternSet) error {
	r := leak.NewRedactor(out, set)
	buf := make([]byte, 256<<10)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			if _, werr := r.Write(buf[:n]); werr != nil {
				return exit2(werr)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			r.Close()
			return exit2(fmt.Errorf("reading standard input: %w", err))
		}
	}
	if err := r.Close(); err != nil {
		return exit2(err)
	}
	return nil
}

func redactCommand(args []string, in io.Reader, stdout, stderr io.Writer, set *leak.PatternSet) error {
	rOut, rErr := leak.NewRedactor(stdout, set), leak.NewRedactor(stderr, set)
	c := exec.Command(args[0], args[1:]...)
	c.Stdin, c.Stdout, c.Stderr = in, rOut, rErr
	if err := c.Start(); err != nil {
		return &ExitError{Code: 127, Err: err}
	}
	// The terminal sends ^C to the whole process group; a signal sent to hush alone is
	// passed on, so the command decides how to end and hush reports its status.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	go func() {
		for s := range sigs {
			_ = c.Process.Signal(s)
		}
	}()
	werr := c.Wait()
	signal.Stop(sigs)
	close(sigs)
	rOut.Close()
	rErr.Close()
	if werr == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			return &ExitError{Code: 128 + int(st.Signal())}
		}
		return &ExitError{Code: ee.ExitCode()}
	}
	return exit2(werr)
}
