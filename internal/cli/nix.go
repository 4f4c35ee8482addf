package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/hush-nix/hush/internal/nixstore"
	"github.com/spf13/cobra"
)

// hush nix-config: the nix.conf lines of the Nix build integration (owned by the nixstore
// work). It only prints; installing the files it names is hush install's job.

func init() { extraCommands = append(extraCommands, newNixConfigCmd) }

type nixConfigOpts struct {
	netrcFile    string
	hook         string
	sandboxPaths []string
	hookScript   bool
	hushBin      string
	sources      hookSources
	json         bool
	nixos        bool
}

// hookSources are the secret sources the post-build hook passes to hush scan.
type hookSources struct {
	secretsDirs, valuesFiles, sopsFiles, manifests, envs []string
}

func (s hookSources) args() []string {
	var a []string
	add := func(flag string, vals []string) {
		for _, v := range vals {
			a = append(a, flag, v)
		}
	}
	add("--secrets-dir", s.secretsDirs)
	add("--values-file", s.valuesFiles)
	add("--sops", s.sopsFiles)
	add("--manifest", s.manifests)
	add("--env", s.envs)
	return a
}

func newNixConfigCmd() *cobra.Command {
	var o nixConfigOpts
	cmd := &cobra.Command{
		Use:   "nix-config [--netrc-file PATH] [--post-build-hook PATH] [--sandbox-path PATH]... | --hook-script SOURCES",
		Short: "Print the nix.conf lines (netrc-file, post-build-hook, extra-sandbox-paths) for hush's Nix build integration",
		Long: `Print the nix.conf lines that connect Nix to hush:

  --netrc-file PATH      the netrc hush installs from a secret; Nix's builtin fetchurl (and
                         nix/lib's fetchurlPrivate) authenticates with it
  --post-build-hook PATH a script that runs "hush scan --post-build-hook" after every build;
                         a secret in an output, the .drv or the log fails the build
  --sandbox-path PATH    a credential file a privateFixedOutput builder reads (repeatable;
                         INSIDE=OUTSIDE maps it, a trailing ? makes it optional)

With --hook-script, print the hook script itself instead (write it to the --post-build-hook
path, mode 0755); it runs --hush with the secret sources given (--secrets-dir, --values-file,
--sops, --manifest, --env).

Nix reads these settings only from its own nix.conf (or from a trusted user): through the
daemon, an untrusted client's --option netrc-file and --option post-build-hook are ignored.`,
		Example: `  hush nix-config --netrc-file /run/secrets/nix-netrc --post-build-hook /etc/nix/hush-hook >> /etc/nix/nix.conf
  hush nix-config --hook-script --hush /run/current-system/sw/bin/hush --secrets-dir /run/secrets > /etc/nix/hush-hook`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.hookScript {
				return printHookScript(cmd.OutOrStdout(), o)
			}
			return printNixConf(cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.netrcFile, "netrc-file", "", "netrc file for builtin fetchurl (installed by hush from a secret)")
	f.StringVar(&o.hook, "post-build-hook", "", "path of the post-build hook script")
	f.StringArrayVar(&o.sandboxPaths, "sandbox-path", nil, "credential file for privateFixedOutput builders (repeatable)")
	f.BoolVar(&o.hookScript, "hook-script", false, "print the post-build hook script instead of nix.conf lines")
	f.StringVar(&o.hushBin, "hush", "", "hush binary the hook script runs (default: this executable)")
	f.StringArrayVar(&o.sources.secretsDirs, "secrets-dir", nil, "hook: scan for the secrets installed in DIR (repeatable)")
	f.StringArrayVar(&o.sources.valuesFiles, "values-file", nil, "hook: scan for the values in FILE, one per line (repeatable)")
	f.StringArrayVar(&o.sources.sopsFiles, "sops", nil, "hook: scan for the values of a sops FILE (repeatable)")
	f.StringArrayVar(&o.sources.manifests, "manifest", nil, "hook: scan for every secret a manifest installs (repeatable)")
	f.StringArrayVar(&o.sources.envs, "env", nil, "hook: scan for the value of environment variable NAME (repeatable)")
	f.BoolVar(&o.json, "json", false, "print the settings as JSON")
	f.BoolVar(&o.nixos, "nixos", false, "print a NixOS nix.settings block instead of nix.conf lines")
	return cmd
}

// confPath checks a path nix.conf will hold: absolute, one token, outside the store.
func confPath(what, p string) error {
	if p == "" {
		return fmt.Errorf("%s: empty path", what)
	}
	if strings.ContainsAny(p, " \t\r\n#") || strings.IndexFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return fmt.Errorf("%s %q: nix.conf cannot hold a path with whitespace, control characters or '#'", what, p)
	}
	if !filepath.IsAbs(p) {
		return fmt.Errorf("%s %q: give an absolute path", what, p)
	}
	if strings.HasPrefix(filepath.Clean(p)+"/", nixstore.StoreDir()+"/") {
		return fmt.Errorf("%s %q: is in the Nix store, which is world-readable; install it outside (e.g. under /run/secrets)", what, p)
	}
	return nil
}

type nixConf struct {
	NetrcFile         string   `json:"netrc-file,omitempty"`
	PostBuildHook     string   `json:"post-build-hook,omitempty"`
	ExtraSandboxPaths []string `json:"extra-sandbox-paths,omitempty"`
	Warnings          []string `json:"warnings,omitempty"`
}

func printNixConf(stdout, stderr io.Writer, o nixConfigOpts) error {
	if o.netrcFile == "" && o.hook == "" && len(o.sandboxPaths) == 0 {
		return errors.New("nothing to print: give --netrc-file, --post-build-hook and/or --sandbox-path (see hush nix-config --help)")
	}
	var c nixConf
	if o.netrcFile != "" {
		if err := confPath("--netrc-file", o.netrcFile); err != nil {
			return err
		}
		c.NetrcFile = o.netrcFile
		c.Warnings = append(c.Warnings, checkPrivateFile("--netrc-file", o.netrcFile, false)...)
	}
	if o.hook != "" {
		if err := confPath("--post-build-hook", o.hook); err != nil {
			return err
		}
		c.PostBuildHook = o.hook
		if fi, err := os.Stat(o.hook); err == nil && fi.Mode()&0o111 == 0 {
			c.Warnings = append(c.Warnings, fmt.Sprintf("--post-build-hook %s is not executable: chmod 0755 it", o.hook))
		}
	}
	for _, sp := range o.sandboxPaths {
		inside, outside := sp, sp
		if i := strings.IndexByte(sp, '='); i >= 0 {
			inside, outside = sp[:i], sp[i+1:]
		}
		outside = strings.TrimSuffix(outside, "?")
		for _, p := range []string{inside, outside} {
			if err := confPath("--sandbox-path", strings.TrimSuffix(p, "?")); err != nil {
				return err
			}
		}
		c.ExtraSandboxPaths = append(c.ExtraSandboxPaths, sp)
		c.Warnings = append(c.Warnings, checkPrivateFile("--sandbox-path", outside, true)...)
	}
	for _, w := range c.Warnings {
		fmt.Fprintln(stderr, "hush: warning:", w)
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	}
	if o.nixos {
		_, err := io.WriteString(stdout, nixosSettings(c))
		return err
	}
	var b strings.Builder
	if c.NetrcFile != "" {
		b.WriteString("# hush: builtin fetchurl authenticates with this netrc (root 0600, installed by hush)\n")
		b.WriteString("netrc-file = " + c.NetrcFile + "\n")
	}
	if c.PostBuildHook != "" {
		b.WriteString("# hush: scan each build's outputs, .drv, input sources and log; a leak fails the build\n")
		b.WriteString("post-build-hook = " + c.PostBuildHook + "\n")
	}
	if len(c.ExtraSandboxPaths) > 0 {
		b.WriteString("# hush: credential files for privateFixedOutput builders (root:nixbld 0640)\n")
		b.WriteString("extra-sandbox-paths = " + strings.Join(c.ExtraSandboxPaths, " ") + "\n")
	}
	_, err := io.WriteString(stdout, b.String())
	return err
}

// nixosSettings renders c as NixOS configuration (nix.settings is freeform: the names are
// nix.conf's). Paths are strings, never Nix paths, so nothing is copied into the store.
func nixosSettings(c nixConf) string {
	var b strings.Builder
	b.WriteString("nix.settings = {\n")
	if c.NetrcFile != "" {
		b.WriteString("  netrc-file = " + nixQuote(c.NetrcFile) + ";\n")
	}
	if c.PostBuildHook != "" {
		b.WriteString("  post-build-hook = " + nixQuote(c.PostBuildHook) + ";\n")
	}
	if len(c.ExtraSandboxPaths) > 0 {
		b.WriteString("  extra-sandbox-paths = [")
		for _, p := range c.ExtraSandboxPaths {
			b.WriteString(" " + nixQuote(p))
		}
		b.WriteString(" ];\n")
	}
	b.WriteString("};\n")
	return b.String()
}

// nixQuote writes s as a Nix string literal.
func nixQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`)
	return `"` + r.Replace(s) + `"`
}

// checkPrivateFile returns warnings about an existing credential file's permissions: none
// for a file that is not there yet (hush install may create it later).
func checkPrivateFile(what, p string, forBuildUsers bool) []string {
	fi, err := os.Stat(p)
	if err != nil {
		return nil
	}
	var w []string
	mode := fi.Mode().Perm()
	if mode&0o004 != 0 {
		w = append(w, fmt.Sprintf("%s %s is world-readable (mode %04o): chmod o-rwx it", what, p, mode))
	}
	if !forBuildUsers {
		if mode&0o040 != 0 {
			w = append(w, fmt.Sprintf("%s %s is group-readable (mode %04o): Nix reads it as root, chmod 0600 it", what, p, mode))
		}
		return w
	}
	g, err := user.LookupGroup("nixbld")
	if err != nil {
		return w // no build users here: root builds read anything
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if ok && (strconv.FormatUint(uint64(st.Gid), 10) != g.Gid || mode&0o040 == 0) {
		w = append(w, fmt.Sprintf("%s %s: build users cannot read it; make it root:nixbld 0640 (chown root:nixbld, chmod 0640)", what, p))
	}
	return w
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func printHookScript(stdout io.Writer, o nixConfigOpts) error {
	args := o.sources.args()
	if len(args) == 0 {
		return errors.New("--hook-script: give the secrets to look for (--secrets-dir, --values-file, --sops, --manifest or --env)")
	}
	bin := o.hushBin
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("--hook-script: cannot find this executable (%v): give --hush PATH", err)
		}
		bin = exe
	}
	if !filepath.IsAbs(bin) {
		return fmt.Errorf("--hush %q: give an absolute path (the hook runs with Nix's environment)", bin)
	}
	q := make([]string, 0, len(args))
	for _, a := range args {
		q = append(q, shellQuote(a))
	}
	script := "#!/bin/sh\n" +
		"# Nix post-build hook (hush nix-config --hook-script): scans the outputs, the .drv, the\n" +
		"# input sources and the build log of $DRV_PATH for the secrets below; a finding exits\n" +
		"# non-zero and fails the build.\n" +
		"exec " + shellQuote(bin) + " scan --post-build-hook " + strings.Join(q, " ") + "\n"
	_, err := io.WriteString(stdout, script)
	return err
}
