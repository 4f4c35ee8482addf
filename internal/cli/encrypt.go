package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/sopsfile"
)

// encryptionRuleFlags are sops' flags choosing which values get encrypted; when none is
// given, the creation rule's options apply.
type encryptionRuleFlags struct {
	rules sopsfile.EncryptionRules
}

func (f *encryptionRuleFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.rules.UnencryptedSuffix, "unencrypted-suffix", "", "leave keys ending in this suffix unencrypted")
	fl.StringVar(&f.rules.EncryptedSuffix, "encrypted-suffix", "", "encrypt only keys ending in this suffix")
	fl.StringVar(&f.rules.UnencryptedRegex, "unencrypted-regex", "", "leave keys matching this regex unencrypted")
	fl.StringVar(&f.rules.EncryptedRegex, "encrypted-regex", "", "encrypt only keys matching this regex")
	fl.StringVar(&f.rules.UnencryptedCommentRegex, "unencrypted-comment-regex", "", "leave values after a comment matching this regex unencrypted")
	fl.StringVar(&f.rules.EncryptedCommentRegex, "encrypted-comment-regex", "", "encrypt only values after a comment matching this regex")
	fl.BoolVar(&f.rules.MACOnlyEncrypted, "mac-only-encrypted", false, "compute the MAC over encrypted values only")
}

func (f *encryptionRuleFlags) set() bool { return f.rules != (sopsfile.EncryptionRules{}) }

// recipientFlags are --age and --pgp (repeatable, each may be comma-separated).
type recipientFlags struct {
	age, pgp []string
	shamir   int
}

func (f *recipientFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.age, "age", nil, "age recipient: age1..., ssh-ed25519 ..., ssh-rsa ... (repeatable, or comma-separated)")
	cmd.Flags().StringArrayVar(&f.pgp, "pgp", nil, "OpenPGP key fingerprint (repeatable, or comma-separated)")
}

// resolve returns the recipients and rules for a new file: the flags when any recipient is
// given (one key group, as sops does), else the matching .sops.yaml creation rule.
func resolveNewFile(cmd *cobra.Command, path string, rf *recipientFlags, ef *encryptionRuleFlags, cf *configFlag) (sopsfile.Recipients, sopsfile.EncryptionRules, error) {
	age, pgp := splitList(rf.age), splitList(rf.pgp)
	var r sopsfile.Recipients
	var er sopsfile.EncryptionRules
	if len(age) > 0 || len(pgp) > 0 {
		for _, a := range age {
			if err := keys.ParseAgeRecipient(a); err != nil {
				return r, er, fmt.Errorf("--age %q: %w", a, err)
			}
		}
		r.Groups = []sopsfile.KeyGroupRecipients{{Age: age, PGP: pgp}}
	} else {
		res, err := cf.recipientsFor(cmd.ErrOrStderr(), path)
		if err != nil {
			return r, er, err
		}
		r, er = res.Recipients, res.Encryption
	}
	r.GnuPGHome = gnupgHome()
	if ef != nil && ef.set() {
		er = ef.rules
	}
	return r, er, nil
}

func newEncryptCmd() *cobra.Command {
	var (
		rf      recipientFlags
		ef      encryptionRuleFlags
		cf      configFlag
		ff      formatFlags
		inPlace bool
		output  string
	)
	cmd := &cobra.Command{
		Use:   "encrypt [flags] FILE",
		Short: "Encrypt a plaintext file into sops format",
		Long: `Encrypt a plaintext YAML, JSON, dotenv, INI or binary file into the sops format.

Recipients come from --age/--pgp; without them, from the first matching creation rule of
the .sops.yaml found walking up from the file. The result goes to stdout, or replaces the
file with -i, or goes to --output.`,
		Example: `  hush encrypt --age age1... secrets.yaml > secrets.enc.yaml
  hush encrypt -i secrets/prod.yaml          # recipients from .sops.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if inPlace && (path == "-" || output != "") {
				return errors.New("-i/--in-place needs a file and no --output")
			}
			data, err := readInput(cmd, path)
			if err != nil {
				return err
			}
			warnUnsupportedStores(cmd.ErrOrStderr(), cf.lookup(nil), path)
			in, out, err := ff.formats(path, data)
			if err != nil {
				return err
			}
			docs, err := sopsfile.ParsePlain(data, in)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if hasSopsMetadata(docs) {
				return fmt.Errorf("%s: already encrypted (it has sops metadata)", path)
			}
			rp, er, err := resolveNewFile(cmd, path, &rf, &ef, &cf)
			if err != nil {
				return err
			}
			f, err := sopsfile.New(path, out, docs, rp, er)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			enc, err := f.Encrypt()
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if inPlace {
				output = path
			}
			return writeOutput(cmd, output, enc, 0o644)
		},
	}
	rf.register(cmd)
	ef.register(cmd)
	cf.register(cmd)
	ff.register(cmd, true, true)
	cmd.Flags().BoolVarP(&inPlace, "in-place", "i", false, "replace FILE with the encrypted result")
	cmd.Flags().StringVar(&output, "output", "", "write to this file instead of stdout")
	return cmd
}
