package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hush-nix/hush/internal/keys"
)

// hush keygen and hush key from-ssh: thin wrappers over internal/keys.

func newKeygenCmd() *cobra.Command {
	var out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "keygen [-o FILE]",
		Short: "Generate a new age X25519 identity",
		Long: `Generate a new age X25519 identity, in age-keygen's format.

With -o, the identity is written to FILE (created with mode 0600; an existing file is never
overwritten); otherwise to standard output. The public key (recipient) is printed on standard
error, or with --json as data on standard output.`,
		Example: `  hush keygen -o ~/.config/sops/age/keys.txt
  hush keygen --json -o host.key | jq -r .recipient`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, rcpt, err := keys.GenerateX25519()
			if err != nil {
				return err
			}
			content := fmt.Sprintf("# created: %s\n# public key: %s\n%s\n", time.Now().UTC().Format(time.RFC3339), rcpt, id)
			if out != "" {
				if err := writeNewSecretFile(out, []byte(content)); err != nil {
					return err
				}
			}
			stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			if asJSON {
				v := map[string]string{"recipient": rcpt}
				if out != "" {
					v["file"] = out
				} else {
					v["identity"] = id
				}
				return writeJSON(stdout, v)
			}
			fmt.Fprintf(stderr, "Public key: %s\n", rcpt)
			if out == "" {
				_, err = io.WriteString(stdout, content)
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the identity to `FILE` (mode 0600, must not exist)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the recipient (and, without -o, the identity) as JSON")
	return cmd
}

// writeNewSecretFile creates path with mode 0600, refusing to replace anything. Missing
// parent directories are created 0700, so that `hush keygen -o ~/.config/sops/age/keys.txt`
// works on a fresh machine.
func writeNewSecretFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err // *PathError names the directory
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists; refusing to overwrite an identity file", path)
	}
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newKeyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Convert and inspect keys",
		Long: `Convert and inspect keys.

Where hush finds identities to decrypt with (the same places as sops, so existing sops setups
work unchanged), in the order they are tried:

  --identity FILE (repeatable)     age identities, or an SSH private key
  $HUSH_AGE_KEY_FILE               list of files, separated like $PATH
  $SOPS_AGE_KEY_FILE               one file
  $SOPS_AGE_KEY                    identities inline (several lines or words)
  $SOPS_AGE_KEY_CMD                a command printing identities (run once, no shell)
  $SOPS_AGE_SSH_PRIVATE_KEY_FILE   an SSH private key
  $SOPS_AGE_SSH_PRIVATE_KEY_CMD    a command printing an unencrypted SSH private key
  $XDG_CONFIG_HOME/sops/age/keys.txt (else ~/.config/sops/age/keys.txt)
  ~/.ssh/id_ed25519, ~/.ssh/id_rsa

An ed25519 SSH key also acts as its ssh-to-age X25519 key. A passphrase-protected SSH key asks
on the terminal when a file is encrypted to it ($HUSH_NO_TTY=1: never ask). OpenPGP ("pgp" in
sops files): armored private key files in $HUSH_PGP_KEY_FILE, then gpg with $GNUPGHOME
(else ~/.gnupg).`,
	}
	cmd.AddCommand(newKeyFromSSHCmd(), newKeyPublicCmd())
	return cmd
}

func newKeyPublicCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "public FILE...",
		Short: "Print the recipients of identity files (like age-keygen -y)",
		Long: `Print the public recipients of the identities in FILE: age identities, SSH private keys
(their ssh-ed25519/ssh-rsa recipient and, for ed25519, the ssh-to-age X25519 recipient).
Plugin identities have no fixed recipient and are listed by plugin name on standard error.`,
		Example: `  hush key public ~/.config/sops/age/keys.txt`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := keys.Load(keys.LoadOptions{Files: args, NoDefaults: true, Getenv: func(string) string { return "" }})
			if err != nil {
				return err
			}
			recipients := set.AgeRecipients()
			if asJSON {
				if recipients == nil {
					recipients = []string{}
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"recipients": recipients, "identities": set.Describe()})
			}
			for _, r := range recipients {
				fmt.Fprintln(cmd.OutOrStdout(), r)
			}
			for _, d := range set.Describe() {
				if strings.HasPrefix(d, "age plugin identity") {
					fmt.Fprintln(cmd.ErrOrStderr(), d)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print recipients and identity descriptions as JSON")
	return cmd
}

func newKeyFromSSHCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "from-ssh KEYFILE",
		Short: "Convert an SSH ed25519 key to an age X25519 key (as ssh-to-age does)",
		Long: `Convert an ssh-ed25519 key to the equivalent age X25519 key, with the same result as
ssh-to-age.

For a public key (authorized_keys line, known_hosts or ssh-keyscan output, one recipient per
ed25519 key) it prints the age recipient. For a private key it prints the AGE-SECRET-KEY
identity (and the recipient on standard error); a passphrase-protected key asks on the
terminal. KEYFILE "-" reads standard input.

ssh-rsa keys do not convert, but they can be used directly as recipients.`,
		Example: `  hush key from-ssh /etc/ssh/ssh_host_ed25519_key.pub
  ssh-keyscan host.example | hush key from-ssh -
  hush key from-ssh ~/.ssh/id_ed25519 > ~/.config/sops/age/keys.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			var data []byte
			var err error
			if name == "-" {
				name = "standard input"
				data, err = io.ReadAll(cmd.InOrStdin())
			} else {
				data, err = os.ReadFile(name)
			}
			if err != nil {
				return err
			}
			defer clear(data)
			if bytes.Contains(data, []byte("PRIVATE KEY-----")) {
				return fromSSHPrivate(cmd, name, data, asJSON)
			}
			converted, err := keys.SSHToAgeRecipients(data)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), converted)
			}
			for _, k := range converted {
				fmt.Fprintln(cmd.OutOrStdout(), k.Recipient)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func fromSSHPrivate(cmd *cobra.Command, name string, data []byte, asJSON bool) error {
	id, err := keys.SSHToAgeIdentity(data, nil)
	if errors.Is(err, keys.ErrPassphraseNeeded) {
		var pass []byte
		pass, err = keys.TTYPassphrase(fmt.Sprintf("Enter passphrase for %q", name))
		if err != nil {
			return err
		}
		id, err = keys.SSHToAgeIdentity(data, pass)
		clear(pass)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	rcpt, err := keys.IdentityRecipient(id)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if asJSON {
		return writeJSON(cmd.OutOrStdout(), map[string]string{"identity": id, "recipient": rcpt})
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "Public key: %s\n", rcpt)
	_, err = fmt.Fprintln(cmd.OutOrStdout(), strings.TrimSpace(id))
	return err
}
