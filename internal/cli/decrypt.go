package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hush-nix/hush/internal/sopsfile"
)

func newDecryptCmd() *cobra.Command {
	var (
		idf     identityFlags
		ff      formatFlags
		extract string
		output  string
	)
	cmd := &cobra.Command{
		Use:   "decrypt [flags] FILE",
		Short: "Decrypt a sops file (or a whole-file age file) to stdout",
		Long: `Decrypt a sops file and print its plaintext, exactly as sops decrypt does.
FILE "-" reads stdin. Whole-file age files (agenix style, armored or binary) are
recognised and decrypted too.

Identities: --identity files, $HUSH_AGE_KEY_FILE, $SOPS_AGE_KEY_FILE, $SOPS_AGE_KEY,
$SOPS_AGE_SSH_PRIVATE_KEY_FILE, ~/.config/sops/age/keys.txt, ~/.ssh/id_ed25519 and
~/.ssh/id_rsa; pgp keys through gpg ($GNUPGHOME).`,
		Example: `  hush decrypt secrets/prod.yaml
  hush decrypt --extract '["db"]["password"]' secrets/prod.yaml
  hush decrypt --output-type json secrets/prod.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if output != "" && output == path {
				return errors.New("--output must not be the input file (hush never writes plaintext over a sops file)")
			}
			data, err := readInput(cmd, path)
			if err != nil {
				return err
			}
			ids, err := idf.load()
			if err != nil {
				return err
			}
			name := path
			if path == "-" {
				name = "stdin"
			}
			if ff.in == "" && sopsfile.IsAgeFile(data) {
				if extract != "" {
					return fmt.Errorf("%s: --extract needs a sops file; this is a whole-file age file", name)
				}
				plain, err := sopsfile.DecryptAgeFile(name, data, ids)
				if err != nil {
					return err
				}
				return writeOutput(cmd, output, plain, 0o600)
			}
			in, out, err := ff.formats(path, data)
			if err != nil {
				return err
			}
			var kp sopsfile.KeyPath
			if extract != "" {
				if kp, err = sopsfile.ParseKeyPath(extract); err != nil {
					return fmt.Errorf("--extract: %w", err)
				}
			}
			f, err := decryptFile(envLookup(), name, data, in, ids)
			if err != nil {
				return err
			}
			var plain []byte
			if kp != nil {
				v, err := f.Lookup(kp)
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				st, err := sopsfile.StoreForOptions(out, *f.Stores)
				if err != nil {
					return err
				}
				if plain, err = st.EmitValue(v); err != nil {
					return fmt.Errorf("%s: %s: %w", name, extract, err)
				}
			} else if plain, err = f.Plaintext(out); err != nil {
				return err // names the file
			}
			return writeOutput(cmd, output, plain, 0o600)
		},
	}
	idf.register(cmd)
	ff.register(cmd, true, true)
	cmd.Flags().StringVar(&extract, "extract", "", `print only the value at this key path, e.g. '["db"]["password"]'`)
	cmd.Flags().StringVar(&output, "output", "", "write the plaintext to this file (mode 0600) instead of stdout")
	return cmd
}
