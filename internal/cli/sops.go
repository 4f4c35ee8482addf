package cli

// Helpers shared by the sops-file commands (encrypt, decrypt, edit, set, unset, updatekeys,
// rotate): identity and recipient flags, input reading, formats, and atomic output.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/rules"
	"github.com/hush-nix/hush/internal/sopsfile"
)

// identityFlags are the decryption-side flags.
type identityFlags struct {
	files []string
}

func (f *identityFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.files, "identity", nil,
		"age identity file or SSH private key (repeatable; default: $HUSH_AGE_KEY_FILE, sops' variables and locations)")
	_ = cmd.MarkFlagFilename("identity")
}

// load reads the identities: the named files plus everything sops itself would find.
func (f *identityFlags) load() (*keys.Set, error) {
	return keys.Load(keys.LoadOptions{Files: f.files, GnuPGHome: gnupgHome()})
}

// gnupgHome is where pgp keys are looked up, as gpg does: $GNUPGHOME, else ~/.gnupg when it
// exists (empty: pgp through gpg disabled).
func gnupgHome() string {
	if h := os.Getenv("GNUPGHOME"); h != "" {
		return h
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".gnupg")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
	}
	return ""
}

// configFlag is --config, as sops' global flag (also $SOPS_CONFIG).
type configFlag struct{ path string }

func (c *configFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.path, "config", "", "the .sops.yaml to use (default: $SOPS_CONFIG, else found by walking up from the file)")
	_ = cmd.MarkFlagFilename("config", "yaml")
}

// lookup returns where the configuration comes from; warnings go to stderr (nil: dropped).
func (c *configFlag) lookup(stderr io.Writer) rules.Lookup {
	p := c.path
	if p == "" {
		p = os.Getenv("SOPS_CONFIG")
	}
	l := rules.Lookup{ConfigPath: p}
	if stderr != nil {
		l.Warn = func(s string) { fmt.Fprintln(stderr, "hush: warning:", s) }
	}
	return l
}

// envLookup is the configuration lookup for commands without --config ($SOPS_CONFIG, else
// the search).
func envLookup() rules.Lookup { return rules.Lookup{ConfigPath: os.Getenv("SOPS_CONFIG")} }

// recipientsFor returns the creation rule's recipients and options for path, with an error
// that says what to do when there is no configuration.
func (c *configFlag) recipientsFor(stderr io.Writer, path string) (*rules.Result, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	res, err := c.lookup(stderr).ForFile(abs)
	if errors.Is(err, rules.ErrNotFound) || errors.Is(err, rules.ErrNoRules) {
		return nil, fmt.Errorf("%s: no recipients: give --age or --pgp, or write a .sops.yaml with creation_rules (hush init): %w", path, err)
	}
	return res, err
}

// formatFlags are --input-type and --output-type.
type formatFlags struct{ in, out string }

func (f *formatFlags) register(cmd *cobra.Command, input, output bool) {
	comp := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"yaml", "json", "dotenv", "ini", "binary"}, cobra.ShellCompDirectiveNoFileComp
	}
	if input {
		cmd.Flags().StringVar(&f.in, "input-type", "", "input format: yaml, json, dotenv, ini or binary (default: from the file name)")
		_ = cmd.RegisterFlagCompletionFunc("input-type", comp)
	}
	if output {
		cmd.Flags().StringVar(&f.out, "output-type", "", "output format (default: the input format)")
		_ = cmd.RegisterFlagCompletionFunc("output-type", comp)
	}
}

// formats resolves the input and output formats for path ("-" is stdin, for which data is
// sniffed: JSON when it starts with '{', else YAML).
func (f *formatFlags) formats(path string, data []byte) (in, out sopsfile.Format, err error) {
	switch {
	case f.in != "":
		if in, err = sopsfile.ParseFormat(f.in); err != nil {
			return "", "", fmt.Errorf("--input-type: %w", err)
		}
	case path == "-":
		in = sniffFormat(data)
	default:
		in = sopsfile.FormatFromPath(path)
	}
	out = in
	if f.out != "" {
		if out, err = sopsfile.ParseFormat(f.out); err != nil {
			return "", "", fmt.Errorf("--output-type: %w", err)
		}
	}
	return in, out, nil
}

func sniffFormat(data []byte) sopsfile.Format {
	s := strings.TrimLeft(string(data[:min(len(data), 512)]), " \t\r\n")
	if strings.HasPrefix(s, "{") {
		return sopsfile.JSON
	}
	return sopsfile.YAML
}

// readInput reads a file, or stdin for "-".
func readInput(cmd *cobra.Command, path string) ([]byte, error) {
	if path == "-" {
		b, err := io.ReadAll(cmd.InOrStdin())
		if err != nil {
			return nil, fmt.Errorf("stdin: %w", err)
		}
		return b, nil
	}
	return os.ReadFile(path) // *PathError names the file
}

// decryptFile reads and decrypts one sops file; the format comes from the flags or the name.
// The file then writes (Encrypt, Plaintext) with the layout of the stores section of the
// .sops.yaml l finds for path, as sops does.
func decryptFile(l rules.Lookup, path string, data []byte, format sopsfile.Format, ids *keys.Set) (*sopsfile.File, error) {
	so, err := storeOptions(l, path)
	if err != nil {
		return nil, err
	}
	f, err := sopsfile.Decrypt(path, data, format, ids)
	if err != nil {
		return nil, err
	}
	f.Stores = so
	return f, nil
}

// writeFileAtomic replaces path with data: a temporary file in the same directory, the
// original's mode (or mode for a new file), fsync, rename, fsync of the directory. A crash
// leaves either the old or the new file, never half of one.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file", path)
		}
		mode = st.Mode().Perm()
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".hush-*")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: some filesystems refuse fsync on directories
		d.Close()
	}
	return nil
}

// writeOutput writes to stdout, or atomically to a file.
func writeOutput(cmd *cobra.Command, path string, data []byte, mode os.FileMode) error {
	if path == "" || path == "-" {
		_, err := cmd.OutOrStdout().Write(data)
		return err
	}
	return writeFileAtomic(path, data, mode)
}

// recipientsOf lists a decrypted file's current master keys as Recipients (for rotate, and
// to show what updatekeys changes).
func recipientsOf(m sopsfile.Metadata) sopsfile.Recipients {
	r := sopsfile.Recipients{UseKeyGroups: m.UsesKeyGroups, ShamirThreshold: m.ShamirThreshold, GnuPGHome: gnupgHome()}
	for _, g := range m.KeyGroups {
		var kg sopsfile.KeyGroupRecipients
		for _, a := range g.Age {
			kg.Age = append(kg.Age, a.Recipient)
		}
		for _, p := range g.PGP {
			kg.PGP = append(kg.PGP, p.Fingerprint)
		}
		r.Groups = append(r.Groups, kg)
	}
	return r
}

// otherKeyKinds lists master key kinds hush cannot wrap for (kms, ...), for refusing to
// re-key a file that would lose them.
func otherKeyKinds(m sopsfile.Metadata) []string {
	seen := map[string]bool{}
	var out []string
	for _, g := range m.KeyGroups {
		for _, o := range g.Other {
			if !seen[o.Kind] {
				seen[o.Kind] = true
				out = append(out, o.Kind)
			}
		}
	}
	return out
}

// splitList splits repeatable, comma-separated flag values (--age a,b --age c).
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// hasSopsMetadata reports whether parsed plaintext already carries a top-level "sops" key,
// i.e. is an encrypted file (sops refuses to encrypt those again). In a dotenv file the
// metadata is the sops_ lines (the store gives them as one mapping); a variable named just
// "sops" is data, as for sops.
func hasSopsMetadata(docs []sopsfile.Branch, format sopsfile.Format) bool {
	for _, d := range docs {
		if v, ok := d.Get("sops"); ok {
			if _, isMeta := v.(sopsfile.Branch); isMeta || format != sopsfile.Dotenv {
				return true
			}
		}
	}
	return false
}

// storeOptions is the output layout the stores section of the .sops.yaml that applies to
// path asks for (yaml, json and json_binary indent). sops fails on a .sops.yaml it cannot
// read even where it needs only the stores section; so does hush. A bad indent is reported
// when a file of that store is written, as sops does.
func storeOptions(l rules.Lookup, path string) (*sopsfile.StoreOptions, error) {
	if path == "-" {
		path = "stdin" // looked up from the working directory
	}
	st, err := l.StoresFor(path)
	if err != nil {
		return nil, err
	}
	return &sopsfile.StoreOptions{YAMLIndent: st.YAMLIndent, JSONIndent: st.JSONIndent, JSONBinaryIndent: st.JSONBinaryIndent}, nil
}
