package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/sopsfile"
)

// keyChange is what updatekeys would do to one file.
type keyChange struct {
	File      string   `json:"file"`
	Added     []string `json:"added"`
	Removed   []string `json:"removed"`
	Threshold [2]int   `json:"-"`
	Groups    [2]int   `json:"-"`
	Written   bool     `json:"written"`
	Error     string   `json:"error,omitempty"`
	target    sopsfile.Recipients
	file      *sopsfile.File
}

func (c *keyChange) empty() bool {
	return len(c.Added) == 0 && len(c.Removed) == 0 && c.Threshold[0] == c.Threshold[1] && c.Groups[0] == c.Groups[1]
}

// recipientSet names every master key of r as "group N: age1..." / "group N: pgp FP"; the
// group prefix only when key groups are in use, so that a move between groups shows.
func recipientSet(r sopsfile.Recipients) []string {
	var out []string
	for i, g := range r.Groups {
		prefix := ""
		if r.UseKeyGroups || len(r.Groups) > 1 {
			prefix = fmt.Sprintf("group %d: ", i+1)
		}
		for _, a := range g.Age {
			out = append(out, prefix+"age "+a)
		}
		for _, p := range g.PGP {
			out = append(out, prefix+"pgp "+p)
		}
	}
	return out
}

func diffRecipients(old, new sopsfile.Recipients) (added, removed []string) {
	o, n := recipientSet(old), recipientSet(new)
	for _, s := range n {
		if !slices.Contains(o, s) {
			added = append(added, s)
		}
	}
	for _, s := range o {
		if !slices.Contains(n, s) {
			removed = append(removed, s)
		}
	}
	return added, removed
}

// effectiveThreshold is the number of groups needed, as sops computes it (0 means all).
func effectiveThreshold(r sopsfile.Recipients) int {
	if len(r.Groups) <= 1 {
		return len(r.Groups)
	}
	if r.ShamirThreshold == 0 {
		return len(r.Groups)
	}
	return r.ShamirThreshold
}

func newUpdatekeysCmd() *cobra.Command {
	var (
		idf    identityFlags
		cf     configFlag
		ff     formatFlags
		yes    bool
		asJSON bool
		dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "updatekeys [flags] FILE...",
		Short: "Re-wrap data keys for the recipients .sops.yaml now gives",
		Long: `For each FILE, decrypt the data key once, compare the file's recipients with those of
the matching .sops.yaml creation rule, show what is added and removed, and re-wrap the data
key for the new recipients. Values are not re-encrypted (use rotate for a new data key).

On a terminal each file asks y/N; --yes skips the question. Without a terminal and without
--yes, nothing is written.`,
		Example: `  hush updatekeys secrets/*.yaml
  hush updatekeys --yes --json secrets/prod.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			stderr := cmd.ErrOrStderr()
			interactive := !yes && !dryRun && term.IsTerminal(int(os.Stdin.Fd()))
			if !yes && !dryRun && !interactive {
				return errors.New("updatekeys: stdin is not a terminal; pass --yes to write without asking (or --dry-run to only show the changes)")
			}
			ids, err := idf.load()
			if err != nil {
				return err
			}
			var changes []*keyChange
			failed := 0
			in := bufio.NewReader(cmd.InOrStdin())
			for _, path := range args {
				c, err := planUpdate(cmd, &cf, &ff, path, ids)
				if err != nil {
					failed++
					c = &keyChange{File: path, Error: err.Error()}
					fmt.Fprintln(stderr, "hush:", err)
					changes = append(changes, c)
					continue
				}
				changes = append(changes, c)
				showChange(stderr, c)
				if c.empty() || dryRun {
					continue
				}
				if interactive && !askYes(stderr, in, fmt.Sprintf("Write %s?", path)) {
					fmt.Fprintf(stderr, "%s: skipped\n", path)
					continue
				}
				if err := applyUpdate(c); err != nil {
					failed++
					c.Error = err.Error()
					fmt.Fprintln(stderr, "hush:", err)
					continue
				}
				c.Written = true
				fmt.Fprintf(stderr, "%s: written\n", path)
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(changes); err != nil {
					return err
				}
			}
			if failed > 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("updatekeys: %d of %d files failed", failed, len(args))}
			}
			return nil
		},
	}
	idf.register(cmd)
	cf.register(cmd)
	ff.register(cmd, true, false)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "write without asking")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show the changes, write nothing")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the changes as JSON on stdout")
	return cmd
}

func planUpdate(cmd *cobra.Command, cf *configFlag, ff *formatFlags, path string, ids *keys.Set) (*keyChange, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	in, _, err := ff.formats(path, data)
	if err != nil {
		return nil, err
	}
	res, err := cf.recipientsFor(cmd.ErrOrStderr(), path)
	if err != nil {
		return nil, err
	}
	f, err := decryptFile(cf.lookup(nil), path, data, in, ids)
	if err != nil {
		return nil, err
	}
	if kinds := otherKeyKinds(f.Meta); len(kinds) > 0 {
		return nil, fmt.Errorf("%s: has %s master keys, which hush cannot re-wrap; use sops updatekeys for this file", path, strings.Join(kinds, ", "))
	}
	if res.RecipientsErr != nil {
		return nil, res.RecipientsErr
	}
	target := res.Recipients
	target.GnuPGHome = gnupgHome()
	cur := recipientsOf(f.Meta)
	c := &keyChange{File: path, target: target, file: f}
	c.Added, c.Removed = diffRecipients(cur, target)
	if c.Added == nil {
		c.Added = []string{} // "[]" rather than null in --json
	}
	if c.Removed == nil {
		c.Removed = []string{}
	}
	c.Threshold = [2]int{effectiveThreshold(cur), effectiveThreshold(target)}
	c.Groups = [2]int{len(cur.Groups), len(target.Groups)}
	return c, nil
}

func showChange(w io.Writer, c *keyChange) {
	if c.empty() {
		fmt.Fprintf(w, "%s: recipients already up to date\n", c.File)
		return
	}
	fmt.Fprintf(w, "%s:\n", c.File)
	for _, s := range c.Added {
		fmt.Fprintf(w, "  + %s\n", s)
	}
	for _, s := range c.Removed {
		fmt.Fprintf(w, "  - %s\n", s)
	}
	if c.Groups[0] != c.Groups[1] || c.Threshold[0] != c.Threshold[1] {
		fmt.Fprintf(w, "  key groups %d -> %d, threshold %d -> %d\n", c.Groups[0], c.Groups[1], c.Threshold[0], c.Threshold[1])
	}
}

func applyUpdate(c *keyChange) error {
	if err := c.file.Rewrap(c.target); err != nil {
		return fmt.Errorf("%s: %w", c.File, err)
	}
	enc, err := c.file.Encrypt()
	if err != nil {
		return err // names the file
	}
	return writeFileAtomic(c.File, enc, 0o644)
}

// askYes asks a y/N question; anything but y/yes is no.
func askYes(w io.Writer, r *bufio.Reader, q string) bool {
	fmt.Fprintf(w, "%s [y/N] ", q)
	line, _ := r.ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

func newRotateCmd() *cobra.Command {
	var (
		idf    identityFlags
		ff     formatFlags
		stdout bool
		inPl   bool
	)
	cmd := &cobra.Command{
		Use:   "rotate [flags] FILE",
		Short: "Replace a sops file's data key (re-encrypts every value)",
		Long: `Decrypt FILE, make a new data key, re-encrypt every value with it, wrap it for the same
recipients, and replace FILE atomically (what sops rotate -i does). --stdout prints the
result instead.`,
		Example: `  hush rotate secrets/prod.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			in, _, err := ff.formats(path, data)
			if err != nil {
				return err
			}
			ids, err := idf.load()
			if err != nil {
				return err
			}
			f, err := decryptFile(envLookup(), path, data, in, ids)
			if err != nil {
				return err
			}
			if kinds := otherKeyKinds(f.Meta); len(kinds) > 0 {
				return fmt.Errorf("%s: has %s master keys, which hush cannot wrap a new data key for; use sops rotate", path, strings.Join(kinds, ", "))
			}
			if err := f.Rotate(recipientsOf(f.Meta)); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			enc, err := f.Encrypt()
			if err != nil {
				return err // names the file
			}
			if stdout {
				_, err = cmd.OutOrStdout().Write(enc)
				return err
			}
			if err := writeFileAtomic(path, enc, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: new data key\n", path)
			return nil
		},
	}
	idf.register(cmd)
	ff.register(cmd, true, false)
	cmd.Flags().BoolVar(&stdout, "stdout", false, "print the rotated file instead of replacing FILE")
	cmd.Flags().BoolVarP(&inPl, "in-place", "i", true, "replace FILE (the default; accepted for sops compatibility)")
	return cmd
}
