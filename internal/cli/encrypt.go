package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/rules"
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

// recipientFlags are --age and --pgp (repeatable, each may be comma-separated).
type recipientFlags struct {
	age, pgp []string
	shamir   int
}

func (f *recipientFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.age, "age", nil, "age recipient: age1..., ssh-ed25519 ..., ssh-rsa ... (repeatable, or comma-separated)")
	cmd.Flags().StringArrayVar(&f.pgp, "pgp", nil, "OpenPGP key fingerprint (repeatable, or comma-separated)")
}

// resolveNewFile returns the recipients and encryption options for a new file, as sops
// decides them: recipients from --age/--pgp when given (one key group), else from the
// matching creation rule; the options from the flags, each falling back to the rule's
// (they apply even when the recipients come from flags, and a .sops.yaml without a
// matching rule is then still an error, as in sops); the default unencrypted suffix
// "_unencrypted" is the sopsfile package's business. For the binary store, which holds one
// value, the options are dropped with a warning, as sops does.
func resolveNewFile(cmd *cobra.Command, path string, format sopsfile.Format, rf *recipientFlags, ef *encryptionRuleFlags, cf *configFlag) (sopsfile.Recipients, sopsfile.EncryptionRules, error) {
	age, pgp := splitList(rf.age), splitList(rf.pgp)
	flagsGiven := len(age) > 0 || len(pgp) > 0
	var r sopsfile.Recipients
	var er sopsfile.EncryptionRules
	res, err := cf.recipientsFor(cmd.ErrOrStderr(), path)
	if err != nil {
		if !flagsGiven || !(errors.Is(err, rules.ErrNotFound) || errors.Is(err, rules.ErrNoRules)) {
			return r, er, err
		}
		res = nil
	}
	if flagsGiven {
		for _, a := range age {
			if err := keys.ParseAgeRecipient(a); err != nil {
				return r, er, fmt.Errorf("--age %q: %w", a, err)
			}
		}
		r.Groups = []sopsfile.KeyGroupRecipients{{Age: age, PGP: pgp}}
	} else {
		if res.RecipientsErr != nil {
			return r, er, res.RecipientsErr
		}
		r = res.Recipients
	}
	r.GnuPGHome = gnupgHome()
	if res != nil {
		er = res.Encryption
	}
	if ef != nil {
		er = mergeEncryptionRules(ef.rules, er)
	}
	if format == sopsfile.Binary && er != (sopsfile.EncryptionRules{}) {
		fmt.Fprintln(cmd.ErrOrStderr(), "hush: warning: suffix/regex options make no sense for the binary store (one value, always encrypted) and are ignored")
		er = sopsfile.EncryptionRules{}
	}
	if n := countCryptRules(er); n > 1 {
		return r, er, errors.New("cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex or unencrypted_comment_regex for one file (flags and .sops.yaml together)")
	}
	return r, er, nil
}

// mergeEncryptionRules gives each flag precedence over the rule's option of the same name.
func mergeEncryptionRules(flags, rule sopsfile.EncryptionRules) sopsfile.EncryptionRules {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	return sopsfile.EncryptionRules{
		UnencryptedSuffix:       pick(flags.UnencryptedSuffix, rule.UnencryptedSuffix),
		EncryptedSuffix:         pick(flags.EncryptedSuffix, rule.EncryptedSuffix),
		UnencryptedRegex:        pick(flags.UnencryptedRegex, rule.UnencryptedRegex),
		EncryptedRegex:          pick(flags.EncryptedRegex, rule.EncryptedRegex),
		UnencryptedCommentRegex: pick(flags.UnencryptedCommentRegex, rule.UnencryptedCommentRegex),
		EncryptedCommentRegex:   pick(flags.EncryptedCommentRegex, rule.EncryptedCommentRegex),
		MACOnlyEncrypted:        flags.MACOnlyEncrypted || rule.MACOnlyEncrypted,
	}
}

func countCryptRules(er sopsfile.EncryptionRules) int {
	n := 0
	for _, s := range []string{er.UnencryptedSuffix, er.EncryptedSuffix, er.UnencryptedRegex, er.EncryptedRegex, er.UnencryptedCommentRegex, er.EncryptedCommentRegex} {
		if s != "" {
			n++
		}
	}
	return n
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
			layout, err := storeOptions(cf.lookup(nil), path)
			if err != nil {
				return err
			}
			in, out, err := ff.formats(path, data)
			if err != nil {
				return err
			}
			docs, err := sopsfile.ParsePlain(data, in)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if hasSopsMetadata(docs, in) {
				return fmt.Errorf("%s: already encrypted (it has sops metadata)", path)
			}
			rp, er, err := resolveNewFile(cmd, path, out, &rf, &ef, &cf)
			if err != nil {
				return err
			}
			f, err := sopsfile.New(path, out, docs, rp, er)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			f.Stores = layout
			enc, err := f.Encrypt()
			if err != nil {
				return err // names the file
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
