package cli

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/sopsfile"
)

//go:embed demo/example.yaml
var demoExample []byte

// DemoEnv is what the demo has made by the time it reaches the install step.
type DemoEnv struct {
	Dir       string // the throwaway directory (removed afterwards unless --keep)
	KeyFile   string // the throwaway age identity
	Recipient string
	Secrets   string // the encrypted example, a sops YAML file
	Out       io.Writer
}

// demoInstallHook, when set (by the install command group), runs a user-mode install of the
// encrypted example into a directory below env.Dir and prints what it did. Until then the
// demo says that this step is not available yet.
var demoInstallHook func(env DemoEnv) error

func newDemoCmd() *cobra.Command {
	var keep bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "A self-contained tour: throwaway key, encrypt, decrypt, edit, install",
		Long: `Run a tour of hush that needs no configuration and no network: it makes a throwaway age
key in a temporary directory, encrypts an embedded example file, decrypts it again,
changes it the way hush set/unset do, and prints what happened at every step.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.OutOrStdout(), keep)
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary directory and print its path")
	return cmd
}

func runDemo(out io.Writer, keep bool) error {
	dir, err := os.MkdirTemp("", "hush-demo-*")
	if err != nil {
		return err
	}
	if keep {
		defer fmt.Fprintf(out, "\nkept %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	step := func(n int, s string) { fmt.Fprintf(out, "\n== %d. %s\n", n, s) }

	step(1, "a throwaway age key (hush keygen)")
	id, rec, err := keys.GenerateX25519()
	if err != nil {
		return err
	}
	keyFile := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(keyFile, []byte(id+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "identity written to %s (mode 0600)\nrecipient: %s\n", keyFile, rec)

	step(2, "encrypt the embedded example (hush encrypt --age ...)")
	docs, err := sopsfile.ParsePlain(demoExample, sopsfile.YAML)
	if err != nil {
		return fmt.Errorf("demo example: %w", err)
	}
	r := sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{{Age: []string{rec}}}}
	f, err := sopsfile.New("secrets.yaml", sopsfile.YAML, docs, r, sopsfile.EncryptionRules{})
	if err != nil {
		return err
	}
	enc, err := f.Encrypt()
	if err != nil {
		return err
	}
	secrets := filepath.Join(dir, "secrets.yaml")
	if err := writeFileAtomic(secrets, enc, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s (%d bytes), first lines:\n", secrets, len(enc))
	printHead(out, enc, 8)
	fmt.Fprintln(out, "Keys, comments and structure stay readable; every value is AES-256-GCM encrypted,")
	fmt.Fprintln(out, "and the data key is wrapped for the recipient in the sops metadata at the end.")

	step(3, "decrypt it again (hush decrypt)")
	ids, err := keys.Load(keys.LoadOptions{Files: []string{keyFile}, NoDefaults: true})
	if err != nil {
		return err
	}
	g, err := sopsfile.Decrypt(secrets, enc, sopsfile.YAML, ids)
	if err != nil {
		return err
	}
	plain, err := g.Plaintext(sopsfile.YAML)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "decrypted with %s; the MAC over all values checked out. Plaintext:\n", strings.Join(ids.Describe(), ", "))
	printHead(out, plain, 40)

	step(4, "change one value and remove another (hush set / hush unset)")
	if err := g.Set(sopsfile.KeyPath{"database", "password"}, "a-new-demo-password"); err != nil {
		return err
	}
	if err := g.Unset(sopsfile.KeyPath{"debug"}); err != nil {
		return err
	}
	enc2, err := g.Encrypt()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(secrets, enc2, 0o644); err != nil {
		return err
	}
	same, changed := lineDiffCount(enc, enc2)
	fmt.Fprintf(out, `set ["database"]["password"], unset ["debug"]: %d lines kept their exact ciphertext, %d changed
(values you do not touch keep their ciphertext, so git diffs stay small; the MAC and
lastmodified change on every write).
`, same, changed)

	step(5, "install into a RAM directory (hush install, user mode)")
	env := DemoEnv{Dir: dir, KeyFile: keyFile, Recipient: rec, Secrets: secrets, Out: out}
	if demoInstallHook == nil {
		fmt.Fprintln(out, "not available in this build yet.")
	} else if err := demoInstallHook(env); err != nil {
		return fmt.Errorf("demo install: %w", err)
	}

	fmt.Fprintln(out, "\nDone. Next: hush keygen, hush init, hush edit secrets/app.yaml (docs/quickstart.md).")
	return nil
}

func printHead(out io.Writer, b []byte, n int) {
	lines := strings.SplitAfter(string(b), "\n")
	for i, l := range lines {
		if i == n {
			fmt.Fprintf(out, "    ... (%d more lines)\n", len(lines)-n)
			break
		}
		if l != "" {
			fmt.Fprint(out, "    "+strings.TrimRight(l, "\n")+"\n")
		}
	}
}

// lineDiffCount counts lines of b that also appear in a, and those that do not.
func lineDiffCount(a, b []byte) (same, changed int) {
	have := map[string]bool{}
	for _, l := range strings.Split(string(a), "\n") {
		have[l] = true
	}
	for _, l := range strings.Split(string(b), "\n") {
		if have[l] {
			same++
		} else {
			changed++
		}
	}
	return same, changed
}
