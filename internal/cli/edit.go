package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hush-nix/hush/internal/sopsfile"
)

// How edit keeps plaintext off persistent disks: the plaintext is written to a private
// directory (mode 0700) on a RAM filesystem (tmpfs or ramfs, checked with statfs):
// --tmpdir, else $XDG_RUNTIME_DIR, else /dev/shm. When none of them is RAM-backed, to a
// memfd that the editor opens as /proc/PID/fd/N (editors that save by renaming a new file
// into place cannot use that; give --tmpdir on a tmpfs for them). A persistent directory is
// refused unless --allow-disk-tmp. The file is overwritten with zeros and removed afterwards.
//
// When the edited text does not parse: on a terminal hush shows the error and offers to
// re-open the editor on the user's text; answering no, or without a terminal, aborts with
// the error and leaves the encrypted file untouched. The rejected text is then kept
// encrypted (a sops binary file FILE.rejected-edit for the same recipients), never as
// plaintext on disk, so an abort loses nothing either.

func newEditCmd() *cobra.Command {
	var (
		idf          identityFlags
		rf           recipientFlags
		ef           encryptionRuleFlags
		cf           configFlag
		ff           formatFlags
		tmpDir       string
		useMemfd     bool
		allowDiskTmp bool
	)
	cmd := &cobra.Command{
		Use:   "edit [flags] FILE",
		Short: "Edit a sops file in $EDITOR, plaintext held in RAM only",
		Long: `Decrypt FILE into a RAM-only temporary file, run $SOPS_EDITOR or $EDITOR (else vi) on it,
and re-encrypt the result with the same data key and metadata; values you did not change
keep their exact ciphertext. If nothing changed, FILE is not touched. If FILE does not
exist it is created from an example, with recipients from --age/--pgp or .sops.yaml.

The temporary file lives on tmpfs/ramfs ($XDG_RUNTIME_DIR or /dev/shm) or in a memfd;
hush refuses a persistent filesystem unless --allow-disk-tmp. If the edited text does not
parse, on a terminal hush offers to re-open the editor with your text; otherwise it stops
with the error, FILE stays as it was, and your text is kept encrypted in
FILE.rejected-edit (hush decrypt FILE.rejected-edit shows it).`,
		Example: `  hush edit secrets/prod.yaml
  EDITOR=nano hush edit secrets/new.yaml --age age1...`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			stderr := cmd.ErrOrStderr()
			data, err := os.ReadFile(path)
			exists := err == nil
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			in, _, err := ff.formats(path, data)
			if err != nil {
				return err
			}
			var f *sopsfile.File
			var plain []byte
			var newRec sopsfile.Recipients
			var newRules sopsfile.EncryptionRules
			var layout *sopsfile.StoreOptions
			if exists {
				ids, err := idf.load()
				if err != nil {
					return err
				}
				if f, err = decryptFile(cf.lookup(nil), path, data, in, ids); err != nil {
					return err
				}
				if plain, err = f.Plaintext(in); err != nil {
					return err // names the file
				}
			} else {
				// Resolve recipients before the editor opens, so that a missing
				// .sops.yaml does not cost the user their typing.
				if newRec, newRules, err = resolveNewFile(cmd, path, in, &rf, &ef, &cf); err != nil {
					return err
				}
				plain = exampleFor(in)
				if layout, err = storeOptions(cf.lookup(nil), path); err != nil {
					return err
				}
			}
			defer wipe(plain)

			tf, err := newEditTemp(path, tmpDir, useMemfd, allowDiskTmp)
			if err != nil {
				return err
			}
			defer tf.remove()
			if err := tf.write(plain); err != nil {
				return err
			}
			for {
				if err := runEditor(tf.path()); err != nil {
					return fmt.Errorf("%s: %w; file unchanged", path, err)
				}
				edited, err := tf.read()
				if err != nil {
					return err
				}
				defer wipe(edited)
				if bytes.Equal(edited, plain) {
					if exists {
						fmt.Fprintf(stderr, "%s: no changes; file untouched\n", path)
					} else {
						fmt.Fprintf(stderr, "%s: no changes; file not created\n", path)
					}
					return nil
				}
				docs, perr := sopsfile.ParsePlain(edited, in)
				if perr == nil && hasSopsMetadata(docs, in) {
					perr = errors.New(`a top-level "sops" key is reserved for the metadata`)
				}
				if perr == nil {
					var out []byte
					if exists {
						f.Docs = docs
					} else if f, err = sopsfile.New(path, in, docs, newRec, newRules); err != nil {
						return fmt.Errorf("%s: %w", path, err)
					} else {
						f.Stores = layout
					}
					if out, err = f.Encrypt(); err != nil {
						return err // names the file
					}
					if exists && bytes.Equal(out, data) {
						// Only the layout changed (indentation, blank lines): every
						// ciphertext, lastmodified and the MAC were kept.
						fmt.Fprintf(stderr, "%s: no changes to the values; file untouched\n", path)
						return nil
					}
					if err := writeFileAtomic(path, out, 0o644); err != nil {
						return err
					}
					fmt.Fprintf(stderr, "%s: saved\n", path)
					return nil
				}
				if !reopenOnTTY(stderr, fmt.Sprintf("%s: your edit does not parse: %v", path, perr)) {
					rec := newRec
					if exists {
						rec = recipientsOf(f.Meta)
					}
					if saved, err := saveRejectedEdit(path, edited, rec); err == nil {
						return fmt.Errorf("%s: your edit does not parse: %w; edit aborted, file unchanged; your text is kept, encrypted, in %s (see it with: hush decrypt %s)", path, perr, saved, saved)
					}
					return fmt.Errorf("%s: your edit does not parse: %w; edit aborted, file unchanged", path, perr)
				}
			}
		},
	}
	idf.register(cmd)
	rf.register(cmd)
	ef.register(cmd)
	cf.register(cmd)
	ff.register(cmd, true, false)
	cmd.Flags().StringVar(&tmpDir, "tmpdir", os.Getenv("HUSH_EDIT_TMPDIR"), "directory for the plaintext while editing (must be tmpfs/ramfs; default: $XDG_RUNTIME_DIR, /dev/shm)")
	cmd.Flags().BoolVar(&useMemfd, "memfd", false, "hold the plaintext in a memfd the editor opens as /proc/PID/fd/N")
	cmd.Flags().BoolVar(&allowDiskTmp, "allow-disk-tmp", false, "allow a temporary file on a persistent filesystem")
	return cmd
}

// saveRejectedEdit keeps an edit that does not parse, so that aborting loses nothing: as a
// sops binary file (the whole text one encrypted value) for the same recipients, next to
// the file, mode 0600. No plaintext reaches the disk.
func saveRejectedEdit(path string, edited []byte, r sopsfile.Recipients) (string, error) {
	if len(r.Groups) == 0 {
		return "", errors.New("no recipients")
	}
	docs, err := sopsfile.ParsePlain(edited, sopsfile.Binary)
	if err != nil {
		return "", err
	}
	out := path + ".rejected-edit"
	f, err := sopsfile.New(out, sopsfile.Binary, docs, r, sopsfile.EncryptionRules{})
	if err != nil {
		return "", err
	}
	enc, err := f.Encrypt()
	if err != nil {
		return "", err
	}
	if err := writeFileAtomic(out, enc, 0o600); err != nil {
		return "", err
	}
	return out, nil
}

// reopenOnTTY shows problem and asks whether to re-open the editor; without a terminal it
// says nothing and returns false (the caller's error then reports the problem, once).
func reopenOnTTY(stderr io.Writer, problem string) bool {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer tty.Close()
	if !term.IsTerminal(int(tty.Fd())) {
		return false
	}
	fmt.Fprintln(stderr, "hush:", problem)
	fmt.Fprint(tty, "Re-open the editor with your text? [Y/n] ")
	line, _ := bufio.NewReader(tty).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "", "y", "yes":
		return true
	}
	return false
}

// runEditor runs $SOPS_EDITOR, $EDITOR or vi on path. The variable may hold arguments
// ("code --wait"); it is split at blanks, as a shell would without quotes.
func runEditor(path string) error {
	spec := os.Getenv("SOPS_EDITOR")
	if spec == "" {
		spec = os.Getenv("EDITOR")
	}
	argv := strings.Fields(spec)
	if len(argv) == 0 {
		argv = []string{"vi"}
	}
	c := exec.Command(argv[0], append(argv[1:], path)...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("editor %s: %w", argv[0], err)
	}
	return nil
}

// wipe overwrites a plaintext buffer once it is no longer needed (best effort: Go may have
// copied it).
func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// exampleFor is the text a new file starts with.
func exampleFor(f sopsfile.Format) []byte {
	switch f {
	case sopsfile.JSON:
		return []byte("{\n    \"hello\": \"Welcome to hush! Edit this file as you please.\",\n    \"example_key\": \"example_value\",\n    \"example_array\": [\n        \"example_value1\",\n        \"example_value2\"\n    ],\n    \"example_number\": 1234.5678,\n    \"example_booleans\": [\n        true,\n        false\n    ]\n}\n")
	case sopsfile.Dotenv:
		return []byte("hello=Welcome to hush! Edit this file as you please.\nexample_key=example_value\n")
	case sopsfile.INI:
		return []byte("[example]\nhello = Welcome to hush! Edit this file as you please.\nexample_key = example_value\n")
	case sopsfile.Binary:
		return []byte("Welcome to hush! Edit this file as you please.\n")
	}
	return []byte("hello: Welcome to hush! Edit this file as you please.\nexample_key: example_value\n# Example comment\nexample_array:\n    - example_value1\n    - example_value2\nexample_number: 1234.5678\nexample_booleans:\n    - true\n    - false\n")
}
