package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hush-nix/hush/internal/keys"
)

// userAgeKeyFile is where sops (and so hush) looks for the user's age identities by
// default: $SOPS_AGE_KEY_FILE, else $XDG_CONFIG_HOME/sops/age/keys.txt (~/.config/...).
func userAgeKeyFile() (string, error) {
	if p := os.Getenv("SOPS_AGE_KEY_FILE"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the user's configuration directory: %w", err)
	}
	return filepath.Join(dir, "sops", "age", "keys.txt"), nil
}

// ensureUserKey returns the recipient of the user's age key, creating the key file (0600,
// directory 0700) when there is none.
func ensureUserKey() (recipient, path string, created bool, err error) {
	path, err = userAgeKeyFile()
	if err != nil {
		return "", "", false, err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		id, rec, err := keys.GenerateX25519()
		if err != nil {
			return "", "", false, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", "", false, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return "", "", false, err
		}
		_, werr := fmt.Fprintf(f, "# created by hush init\n# public key: %s\n%s\n", rec, id)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return "", "", false, fmt.Errorf("%s: %w", path, werr)
		}
		return rec, path, true, nil
	}
	set, err := keys.Load(keys.LoadOptions{Files: []string{path}, NoDefaults: true})
	if err != nil {
		return "", "", false, err
	}
	recs := set.AgeRecipients()
	if len(recs) == 0 {
		return "", "", false, fmt.Errorf("%s: no age identity in this file", path)
	}
	return recs[0], path, false, nil
}

// anchorName makes a YAML anchor from a user or host name.
var notAnchor = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func anchorName(kind, name string) string {
	n := notAnchor.ReplaceAllString(name, "_")
	if n == "" {
		n = "key"
	}
	return kind + "_" + n
}

type initKey struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"` // "user" or "host"
	Recipient string `json:"recipient"`
	Source    string `json:"source"`
}

// sopsYAML renders the configuration: one anchor per key (the sops-nix convention), one
// creation rule using all of them.
func sopsYAML(pathRegex string, ks []initKey) []byte {
	var b strings.Builder
	b.WriteString("# Written by hush init; read by hush and sops alike.\n")
	b.WriteString("# After changing the keys, run: hush updatekeys FILE...\n")
	b.WriteString("keys:\n")
	for _, k := range ks {
		fmt.Fprintf(&b, "  - &%s %s\n", anchorName(k.Kind, k.Name), k.Recipient)
	}
	b.WriteString("creation_rules:\n")
	if pathRegex != "" {
		fmt.Fprintf(&b, "  - path_regex: %s\n    key_groups:\n", yamlQuote(pathRegex))
	} else {
		b.WriteString("  - key_groups:\n")
	}
	b.WriteString("      - age:\n")
	for _, k := range ks {
		fmt.Fprintf(&b, "          - *%s\n", anchorName(k.Kind, k.Name))
	}
	return []byte(b.String())
}

// yamlQuote single-quotes a string for YAML (regexes hold backslashes and colons).
func yamlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func newInitCmd() *cobra.Command {
	var (
		hosts     []string
		output    string
		pathRegex string
		force     bool
		asJSON    bool
		name      string
	)
	cmd := &cobra.Command{
		Use:   "init [flags]",
		Short: "Write a .sops.yaml for your age key (and host keys)",
		Long: `Write a .sops.yaml whose creation rule encrypts to your age key and, with --host, to hosts'
SSH ed25519 keys converted to age recipients (as ssh-to-age does; sops-nix hosts decrypt
with their /etc/ssh host key). Your key is read from sops' default location
($SOPS_AGE_KEY_FILE, else ~/.config/sops/age/keys.txt); if there is none, a new one is
generated there (mode 0600).`,
		Example: `  hush init
  hush init --host web=/etc/ssh/ssh_host_ed25519_key.pub --host db=keys/db.pub`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			stderr := cmd.ErrOrStderr()
			if _, err := os.Stat(output); err == nil && !force {
				return fmt.Errorf("%s already exists; pass --force to replace it", output)
			}
			if _, err := regexp.Compile(pathRegex); err != nil {
				return fmt.Errorf("--path-regex: %w", err)
			}
			rec, keyPath, created, err := ensureUserKey()
			if err != nil {
				return err
			}
			if created {
				fmt.Fprintf(stderr, "created a new age key in %s (back it up: it is the only way to decrypt your secrets)\n", keyPath)
			}
			if name == "" {
				name = os.Getenv("USER")
			}
			if name == "" {
				name = "me"
			}
			ks := []initKey{{Name: name, Kind: "user", Recipient: rec, Source: keyPath}}
			for _, h := range hosts {
				hn, file, ok := strings.Cut(h, "=")
				if !ok || hn == "" || file == "" {
					return fmt.Errorf("--host %q: want NAME=PUBKEYFILE", h)
				}
				pub, err := os.ReadFile(file)
				if err != nil {
					return fmt.Errorf("--host %s: %w", hn, err)
				}
				hr, err := keys.SSHToAgeRecipient(pub)
				if err != nil {
					return fmt.Errorf("--host %s: %s: %w", hn, file, err)
				}
				ks = append(ks, initKey{Name: hn, Kind: "host", Recipient: hr, Source: file})
			}
			if err := writeFileAtomic(output, sopsYAML(pathRegex, ks), 0o644); err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"config": output, "keys": ks, "created_key": created})
			}
			fmt.Fprintf(stderr, "wrote %s with %d recipient(s):\n", output, len(ks))
			for _, k := range ks {
				fmt.Fprintf(stderr, "  %s %s: %s\n", k.Kind, k.Name, k.Recipient)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&hosts, "host", nil, "NAME=PUBKEYFILE: a host's SSH ed25519 public key to add (repeatable)")
	cmd.Flags().StringVarP(&output, "output", "o", ".sops.yaml", "file to write")
	cmd.Flags().StringVar(&pathRegex, "path-regex", "", "path_regex of the creation rule (default: none, the rule applies to every file)")
	cmd.Flags().StringVar(&name, "name", "", "name of your key in the file (default: $USER)")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print what was written as JSON on stdout")
	return cmd
}
