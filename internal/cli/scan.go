package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hush-nix/hush/internal/leak"
	"github.com/hush-nix/hush/internal/nixstore"
)

func init() {
	extraCommands = append(extraCommands, newScanCmd, newRedactCmd)
}

type scanFlags struct {
	src        secretSources
	closures   []string
	buildLogs  bool
	hook       bool
	asJSON     bool
	noProgress bool
	maxBz2     int64
}

func newScanCmd() *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan [SOURCES] PATH...",
		Short: "Prove that no secret value sits in files, store paths, .drv files or build logs",
		Long: `Scan files and directory trees for the secret values given by the SOURCES flags, in
every form they commonly leak in: raw, base64 (at any alignment inside a larger blob), hex,
percent-encoded, JSON-, Nix- and .drv-escaped, and each line of a multi-line value.

Directories are walked without following symbolic links (a PATH that is a link is followed).
.bz2 files are decompressed, .drv files are parsed so that a finding names the derivation
attribute. --closure adds a store path's closure, --build-logs adds Nix's build logs (of the
.drv files given, or all of them). The values themselves are never printed.

Exit status: 0 nothing found, 1 a secret was found, 2 error (e.g. a file could not be read).

As Nix's post-build-hook (--post-build-hook, with $DRV_PATH set by Nix), it scans the
outputs, the .drv, the input sources (path literals copied into the store) and the build
log of the derivation just built, and fails the build on a finding.`,
		RunE: func(cmd *cobra.Command, args []string) error { return runScan(cmd, &f, args) },
	}
	f.src.register(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.closures, "closure", nil, "scan the closure of store `PATH` (nix-store -qR; e.g. /run/current-system)")
	fl.BoolVar(&f.buildLogs, "build-logs", false, "also scan Nix's build logs: of the .drv files given, or all of them")
	fl.BoolVar(&f.hook, "post-build-hook", false, "run as Nix's post-build-hook: scan $DRV_PATH's outputs, .drv, input sources and log")
	fl.BoolVar(&f.asJSON, "json", false, "print the report as JSON on standard output")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress line, even on a terminal")
	fl.Int64Var(&f.maxBz2, "max-decompressed", leak.DefaultMaxDecompressed, "bytes a .bz2 file may decompress to; past them the file is an error (exit 2)")
	return cmd
}

func exit2(err error) error { return &ExitError{Code: 2, Err: err} }

func runScan(cmd *cobra.Command, f *scanFlags, args []string) error {
	set, err := f.src.load()
	if err != nil {
		return exit2(err)
	}
	// Everything hush says from here on passes through the set: a path can be named after a
	// secret (the scan reports such a name as a leak, and must not print it while doing so).
	stdout, stderr := leak.NewRedactor(cmd.OutOrStdout(), set), leak.NewRedactor(cmd.ErrOrStderr(), set)
	err = scanWith(cmd, f, set, args, stdout, stderr)
	stdout.Close()
	stderr.Close()
	return redactExit(set, err)
}

// redactExit masks the secrets in the message of an error hush is about to print.
func redactExit(set *leak.PatternSet, err error) error {
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			return &ExitError{Code: ee.Code, Err: errors.New(set.RedactString(ee.Err.Error()))}
		}
		return err
	}
	if err != nil {
		return errors.New(set.RedactString(err.Error()))
	}
	return nil
}

// scanWith runs the scan; human output goes to the redacting stdout and stderr, --json to
// the command's stdout with every string of the report masked (a tag written into the JSON
// stream could break its quoting).
func scanWith(cmd *cobra.Command, f *scanFlags, set *leak.PatternSet, args []string, stdout, stderr *leak.Redactor) error {
	targets := append([]string(nil), args...)
	if f.hook {
		t, err := leak.HookTargets(leak.HookEnv{
			DrvPath:   os.Getenv("DRV_PATH"),
			OutPaths:  os.Getenv("OUT_PATHS"),
			Outputs:   nixstore.Outputs,
			InputSrcs: nixstore.InputSources,
			BuildLog:  nixstore.BuildLogPath,
		})
		if err != nil {
			return exit2(err)
		}
		targets = append(targets, t...)
	}
	for _, c := range f.closures {
		paths, err := nixstore.Closure(c)
		if err != nil {
			return exit2(fmt.Errorf("--closure %s: %w", c, err))
		}
		targets = append(targets, paths...)
	}
	if f.buildLogs {
		var drvs []string
		for _, t := range targets {
			if strings.HasSuffix(t, ".drv") {
				drvs = append(drvs, t)
			}
		}
		if len(drvs) == 0 {
			targets = append(targets, nixstore.LogDir())
		}
		for _, d := range drvs {
			if log, ok := nixstore.BuildLogPath(d); ok {
				targets = append(targets, log)
			}
		}
	}
	if len(targets) == 0 {
		return exit2(errors.New("nothing to scan: give PATHs, --closure, --build-logs or --post-build-hook"))
	}

	if len(set.Unscannable) > 0 {
		fmt.Fprintf(stderr, "hush: not scanned, shorter than %d bytes (see --min-length): %s\n", set.MinLength, strings.Join(set.Unscannable, ", "))
	}
	if f.maxBz2 < 1 {
		return exit2(fmt.Errorf("--max-decompressed %d: must be at least 1", f.maxBz2))
	}
	sc := &leak.Scanner{Set: set, MaxDecompressed: f.maxBz2}
	start := time.Now()
	var bar *progressBar
	if !f.noProgress && isTerminal(cmd.ErrOrStderr()) {
		stderr.Flush()
		bar = startProgress(cmd.ErrOrStderr(), sc.Progress) // counts only, no names
	}
	rep := sc.Scan(targets)
	bar.stop()
	elapsed := time.Since(start)

	if f.asJSON {
		redactReport(set, rep)
		out := struct {
			*leak.Report
			Unscannable []string `json:"unscannable"`
			Seconds     float64  `json:"seconds"`
		}{rep, append([]string{}, set.Unscannable...), elapsed.Seconds()}
		if err := writeJSON(cmd.OutOrStdout(), out); err != nil {
			return exit2(err)
		}
	} else {
		printFindings(stdout, rep)
		for _, e := range rep.Errors {
			fmt.Fprintf(stderr, "hush: %s: %s\n", e.Path, e.Err)
		}
		fmt.Fprintf(stderr, "hush: scanned %d files, %s in %.2fs (%d secrets, %d patterns): %d findings\n",
			rep.Files, humanBytes(rep.Bytes), elapsed.Seconds(), len(set.Names)-len(set.Unscannable), set.Len(), len(rep.Findings))
	}
	switch {
	case len(rep.Findings) > 0:
		return &ExitError{Code: 1}
	case len(rep.Errors) > 0:
		return &ExitError{Code: 2, Err: fmt.Errorf("%d paths could not be scanned", len(rep.Errors))}
	}
	return nil
}

// redactReport masks secrets in the report's strings (paths, locations, error messages).
func redactReport(set *leak.PatternSet, rep *leak.Report) {
	for i := range rep.Findings {
		f := &rep.Findings[i]
		f.Path, f.Location = set.RedactString(f.Path), set.RedactString(f.Location)
	}
	for i := range rep.Errors {
		e := &rep.Errors[i]
		e.Path, e.Err = set.RedactString(e.Path), set.RedactString(e.Err)
	}
}

func printFindings(w io.Writer, rep *leak.Report) {
	for _, f := range rep.Findings {
		var b strings.Builder
		fmt.Fprintf(&b, "LEAK %s: secret %q (%s) at byte %d", f.Path, f.Secret, f.Encoding, f.Offset)
		if f.Decompressed {
			b.WriteString(" of the decompressed data")
		}
		if f.Location != "" {
			b.WriteString(", in " + f.Location)
		}
		if f.Count > 1 {
			fmt.Fprintf(&b, " (%d times)", f.Count)
		}
		fmt.Fprintln(w, b.String())
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
