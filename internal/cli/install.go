package cli

// The install command group: hush install, hush status, and the sops-install-secrets
// compatible entry point. Flags and output only; the engine is internal/install.

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hush-nix/hush/internal/install"
	"github.com/hush-nix/hush/internal/manifest"
)

func init() {
	extraCommands = append(extraCommands, newInstallCmd, newStatusCmd, newSopsInstallSecretsCmd)
	sopsInstallSecretsMain = func(args []string) int {
		return runSopsInstallSecrets(args, os.Stdout, os.Stderr)
	}
	demoInstallHook = demoInstall
}

func newInstallCmd() *cobra.Command {
	var check, dryRun, systemd bool
	cmd := &cobra.Command{
		Use:   "install [--check] [--dry-run] [--systemd] MANIFEST",
		Short: "Activate secrets: decrypt on this host into a RAM filesystem, atomically",
		Long: `Install the secrets of MANIFEST (hush's manifest v1 or sops-nix's manifest.json) as a new
generation under its mount point and switch the symlink to it atomically. Each source file
is decrypted once; unchanged inputs decrypt nothing. Exit status 2: some secrets failed and
kept their last good value (keep-going policy); hush status shows which and why.

--check verifies at build time, without keys, everything that can be verified: the manifest,
that every source parses, that every key exists, templates, and (with hostRecipients) that
every file is encrypted to this host. --dry-run reports what would change and touches
nothing under the mount point.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstall(cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], installOpts{check: check, dryRun: dryRun, systemd: systemd})
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "verify the manifest and sources without decrypting (build time)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "report what would change; change nothing")
	cmd.Flags().BoolVar(&systemd, "systemd", false, "restart/reload units with systemctl instead of switch-to-configuration's lists")
	return cmd
}

type installOpts struct {
	check, dryRun, systemd, ignorePasswd bool
	sopsNixOutput                        bool // print changes the way sops-install-secrets does
}

// loadConfigs reads a manifest and turns it into the engine's configs (user-mode paths
// expanded with $XDG_RUNTIME_DIR).
func loadConfigs(path string, needRuntimeDir bool) (*manifest.Manifest, []*install.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("manifest: %w", err)
	}
	return parseConfigs(path, data, needRuntimeDir)
}

func parseConfigs(path string, data []byte, needRuntimeDir bool) (*manifest.Manifest, []*install.Config, error) {
	m, err := manifest.Parse(data, path)
	if err != nil {
		return nil, nil, err
	}
	if m.UserMode {
		dir := os.Getenv("XDG_RUNTIME_DIR")
		if dir == "" && !needRuntimeDir {
			dir = "/run/user/" + fmt.Sprint(os.Getuid())
		}
		if dir == "" {
			return nil, nil, errors.New("user mode needs $XDG_RUNTIME_DIR (it replaces %r in the manifest's paths)")
		}
		if err := m.ExpandUserPaths(dir); err != nil {
			return nil, nil, err
		}
	}
	cfgs, err := install.FromManifest(m)
	return m, cfgs, err
}

func runInstall(stdout, stderr io.Writer, path string, o installOpts) error {
	// An install is a short burst that allocates tens of MB (10,000 entries) and exits: half
	// as many collections cost a few MB of peak memory and save ~15% of its CPU (measured
	// on the 10,000-secret corpus: 1-of-1,000-changed 160 -> 140 ms CPU, peak RSS +3 MB).
	// GOGC, when set, wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	e := &install.Engine{
		DryRun:       o.dryRun,
		Systemd:      o.systemd,
		IgnorePasswd: o.ignorePasswd,
		Manifest:     path,
		Log:          slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	quick := install.QuickOptions{Manifest: path, Data: data, Env: os.Getenv("XDG_RUNTIME_DIR")}
	if !o.check {
		// Nothing changed since the last complete install: done before even parsing.
		if results, ok := e.Unchanged(quick); ok {
			if !o.sopsNixOutput {
				for _, r := range results {
					fmt.Fprintf(stderr, "unchanged (generation %d, nothing decrypted)\n", r.Generation)
				}
			}
			return nil
		}
	}
	if o.check {
		return runCheck(stderr, path, data, o)
	}
	// The configs of exactly these manifest bytes, parsed by an earlier run (the manifest
	// rarely changes when sources do); otherwise parse and keep them for the next run.
	cm, ok := install.CachedConfigs(path, data, quick.Env)
	if !ok {
		m, cfgs, err := parseConfigs(path, data, true)
		if err != nil {
			if o.sopsNixOutput {
				return fmt.Errorf("manifest is not valid: %w", err)
			}
			return err
		}
		cm = &install.CachedManifest{
			Configs:      cfgs,
			LogChanges:   m.Logging == nil || m.Logging.SecretChanges,
			GnupgSSHKeys: len(m.Identities.GnupgSSHKeyPaths) > 0,
		}
		if !o.dryRun {
			if err := install.StoreConfigs(path, data, quick.Env, cm); err != nil {
				fmt.Fprintln(stderr, "hush: warning: cannot cache the parsed manifest:", err)
			}
		}
	}
	cfgs := cm.Configs
	if o.sopsNixOutput && !cm.LogChanges {
		stdout = io.Discard // sops-install-secrets prints changes only when asked to
	}
	partial := false
	var results []*install.Result
	for _, cfg := range cfgs {
		res, err := e.Install(cfg)
		if err != nil && !errors.Is(err, install.ErrPartial) {
			return err
		}
		if err != nil {
			partial = true
		}
		results = append(results, res)
		printReport(stdout, stderr, cfg, res, o)
	}
	// Recorded only when every tree is complete (RecordQuick drops the record otherwise).
	if err := e.RecordQuick(quick, results); err != nil {
		fmt.Fprintln(stderr, "hush: warning: cannot record the install for the quick path:", err)
	}
	if partial {
		if cm.GnupgSSHKeys {
			fmt.Fprintln(stderr, "hush: note: sshKeyPaths (SSH RSA keys as OpenPGP keys) are not used by hush yet; files encrypted only to them cannot be decrypted")
		}
		return &ExitError{Code: 2, Err: errors.New("some secrets failed; the others are installed (see hush status)")}
	}
	return nil
}

// runCheck is --check: everything verifiable at build time, without keys.
func runCheck(stderr io.Writer, path string, data []byte, o installOpts) error {
	m, cfgs, err := parseConfigs(path, data, false)
	if err != nil {
		if o.sopsNixOutput {
			return fmt.Errorf("manifest is not valid: %w", err)
		}
		return err
	}
	errs := install.Check(m, cfgs)
	for _, e := range errs {
		fmt.Fprintln(stderr, "hush: check:", e)
	}
	if len(errs) > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%s: %d problem(s)", path, len(errs))}
	}
	n := 0
	for _, c := range cfgs {
		n += len(c.Secrets) + len(c.Templates)
	}
	fmt.Fprintf(stderr, "%s: ok (%d entries checked without keys)\n", path, n)
	return nil
}

func printReport(stdout, stderr io.Writer, cfg *install.Config, res *install.Result, o installOpts) {
	if o.sopsNixOutput {
		printSopsNixChanges(stdout, cfg, res, o.dryRun)
		return
	}
	prefix := ""
	if o.dryRun {
		prefix = "would: "
	}
	switch {
	case res.Unchanged:
		fmt.Fprintf(stderr, "%s: unchanged (generation %d, nothing decrypted)\n", cfg.Symlink, res.Generation)
	case o.dryRun:
		fmt.Fprintf(stderr, "%s: dry run (%d file(s) would be decrypted)\n", cfg.Symlink, res.Decrypted)
	default:
		fmt.Fprintf(stderr, "%s -> generation %d (%d file(s) decrypted)\n", cfg.Symlink, res.Generation, res.Decrypted)
	}
	for _, l := range []struct {
		what  string
		names []string
	}{{"added", res.Added}, {"changed", res.Changed}, {"removed", res.Removed}, {"restart", res.Restart}, {"reload", res.Reload}} {
		if len(l.names) > 0 {
			fmt.Fprintf(stderr, "  %s%s: %s\n", prefix, l.what, strings.Join(l.names, ", "))
		}
	}
	for _, f := range res.Failed() {
		fmt.Fprintf(stderr, "  %s %s: %s\n", f.State, f.Name, f.Reason)
	}
}

// printSopsNixChanges prints the change report the way sops-install-secrets does: nothing
// in user mode or on first activation, then "adding secrets: a, b" style lines, secrets
// before rendered templates, names sorted.
func printSopsNixChanges(out io.Writer, cfg *install.Config, res *install.Result, dry bool) {
	if cfg.UserMode || res.First || res.Unchanged {
		return
	}
	verbs := [3]string{"adding", "modifying", "removing"}
	if dry {
		verbs = [3]string{"would add", "would modify", "would remove"}
	}
	prefix := install.RenderedDir + "/"
	for _, noun := range []string{"secret", "rendered secret"} {
		for i, all := range [][]string{res.Added, res.Changed, res.Removed} {
			var names []string
			for _, n := range all {
				isTemplate := strings.HasPrefix(n, prefix)
				if isTemplate == (noun == "rendered secret") {
					names = append(names, strings.TrimPrefix(n, prefix))
				}
			}
			if len(names) == 0 {
				continue
			}
			s := "s"
			if len(names) == 1 {
				s = ""
			}
			fmt.Fprintf(out, "%s %s%s: %s\n", verbs[i], noun, s, strings.Join(names, ", "))
		}
	}
}

func newStatusCmd() *cobra.Command {
	var asJSON bool
	var symlink string
	cmd := &cobra.Command{
		Use:   "status [--json] [--symlink PATH | MANIFEST]",
		Short: "Show the installed generation: every secret's source, target, owner, mode and state",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			links := []string{symlink}
			if len(args) == 1 {
				_, cfgs, err := loadConfigs(args[0], false)
				if err != nil {
					return err
				}
				links = nil
				for _, c := range cfgs {
					links = append(links, c.Symlink)
				}
			} else if symlink == "" {
				links = []string{manifest.DefaultSymlink}
			}
			return runStatus(cmd.OutOrStdout(), links, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "machine-readable output on stdout")
	cmd.Flags().StringVar(&symlink, "symlink", "", "the symlink of the tree (default /run/secrets)")
	return cmd
}

func runStatus(out io.Writer, links []string, asJSON bool) error {
	var all []*install.Status
	for _, l := range links {
		st, _, err := install.ReadStatus(l)
		if err != nil {
			return err
		}
		all = append(all, st)
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if len(all) == 1 {
			return enc.Encode(all[0])
		}
		return enc.Encode(all)
	}
	bad := 0
	for i, st := range all {
		fmt.Fprintf(out, "%s: generation %d, installed %s from %s\n", links[i], st.Generation, st.Created.Format("2006-01-02 15:04:05Z07:00"), st.Manifest)
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSTATE\tOWNER\tMODE\tSOURCE\tTARGET\tCHANGED")
		for _, s := range st.Secrets {
			name, target := s.Name, s.Target
			if s.Template {
				name = install.RenderedDir + "/" + s.Name
			}
			if s.Link != "" {
				target = s.Link
			}
			src := s.Source
			if s.Key != "" {
				src += " " + s.Key
			}
			fmt.Fprintf(tw, "%s\t%s\t%d:%d\t%s\t%s\t%s\t%s\n", name, s.State, s.UID, s.GID, s.Mode, src, target, s.Changed.Format("2006-01-02 15:04:05"))
			if s.State != install.StateOK {
				bad++
				fmt.Fprintf(tw, "\t  %s\t\t\t\t\t\n", s.Reason)
			}
		}
		tw.Flush()
	}
	if bad > 0 {
		return &ExitError{Code: 2}
	}
	return nil
}

// newSopsInstallSecretsCmd is `hush sops-install-secrets`, the same as the binary invoked
// under that name (what sops-nix's activation script runs).
func newSopsInstallSecretsCmd() *cobra.Command {
	return &cobra.Command{
		Use:                "sops-install-secrets [-check-mode=manifest|sopsfile|off] [-ignore-passwd] MANIFEST",
		Short:              "sops-nix's installer, compatible: point sops.package at hush",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := runSopsInstallSecrets(args, cmd.OutOrStdout(), cmd.ErrOrStderr()); code != 0 {
				return &ExitError{Code: code}
			}
			return nil
		},
	}
}

// runSopsInstallSecrets parses sops-install-secrets' flags (Go flag syntax) and runs the
// engine with sops-nix's conventions: NIXOS_ACTION=dry-activate is a dry run with root
// ownership, SOPS_RESTART_UNITS_VIA_SYSTEMCTL=1 restarts through systemctl, and changes are
// printed as sops-install-secrets prints them when logging.secretChanges is on.
func runSopsInstallSecrets(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sops-install-secrets", flag.ContinueOnError)
	fs.SetOutput(stderr)
	checkMode := fs.String("check-mode", "off", `validate without installing: "manifest", "sopsfile" or "off"`)
	ignorePasswd := fs.Bool("ignore-passwd", false, "look up no user or group: everything is owned by root")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "sops-install-secrets:", err)
		return 1
	}
	if fs.NArg() != 1 {
		return fail(errors.New("usage: sops-install-secrets [-check-mode=manifest|sopsfile|off] [-ignore-passwd] manifest.json"))
	}
	path := fs.Arg(0)
	switch *checkMode {
	case "manifest", "sopsfile", "off":
	default:
		return fail(fmt.Errorf("invalid value provided for -check-mode flag: %s", *checkMode))
	}
	if *checkMode != "off" {
		m, cfgs, err := loadConfigs(path, false)
		if err != nil {
			return fail(fmt.Errorf("manifest is not valid: %w", err))
		}
		if *checkMode == "sopsfile" {
			if errs := install.Check(m, cfgs); len(errs) > 0 {
				return fail(fmt.Errorf("manifest is not valid: %w", errors.Join(errs...)))
			}
		}
		return 0
	}
	dry := os.Getenv("NIXOS_ACTION") == "dry-activate"
	o := installOpts{
		dryRun:        dry,
		ignorePasswd:  *ignorePasswd || dry,
		systemd:       os.Getenv("SOPS_RESTART_UNITS_VIA_SYSTEMCTL") == "1",
		sopsNixOutput: true,
	}
	err := runInstall(stdout, stderr, path, o)
	var ee *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ee.Err != nil {
			fmt.Fprintln(stderr, "sops-install-secrets:", ee.Err)
		}
		return ee.Code
	}
	return fail(err)
}

// demoInstall is the demo's user-mode install step: a manifest over the demo's encrypted
// file, installed twice (the second run decrypts nothing).
func demoInstall(env DemoEnv) error {
	run := filepath.Join(env.Dir, "run")
	if err := os.MkdirAll(run, 0o700); err != nil {
		return err
	}
	man := map[string]any{
		"version":    1,
		"userMode":   true,
		"mountPoint": "%r/secrets.d",
		"symlink":    "%r/secrets",
		"identities": map[string]any{"ageKeyFile": env.KeyFile},
		"secrets": []any{
			map[string]any{"name": "db-password", "source": map[string]any{"sops": map[string]any{"file": env.Secrets, "key": "database/password"}}},
			map[string]any{"name": "api/token", "mode": "0440", "source": map[string]any{"sops": map[string]any{"file": env.Secrets, "key": "api/token"}}},
		},
		"templates": []any{
			map[string]any{"name": "app.env", "content": "DB_PASSWORD=<hush:db-password>\nAPI_TOKEN=<hush:api/token>\n"},
		},
	}
	data, _ := json.MarshalIndent(man, "", "  ")
	mpath := filepath.Join(env.Dir, "manifest.json")
	if err := os.WriteFile(mpath, data, 0o644); err != nil {
		return err
	}
	old := os.Getenv("XDG_RUNTIME_DIR")
	os.Setenv("XDG_RUNTIME_DIR", run)
	defer os.Setenv("XDG_RUNTIME_DIR", old)
	fmt.Fprintf(env.Out, "manifest %s: 2 secrets and a template, user mode under %s\n", mpath, run)
	for i := 0; i < 2; i++ {
		if err := runInstall(env.Out, env.Out, mpath, installOpts{}); err != nil {
			return err
		}
	}
	fmt.Fprintln(env.Out, "The second run found nothing changed and decrypted nothing. Installed (hush status):")
	return runStatus(env.Out, []string{filepath.Join(run, "secrets")}, false)
}
