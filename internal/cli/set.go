package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"github.com/spf13/cobra"

	"github.com/hush-nix/hush/internal/sopsfile"
)

// parseSetValue reads VALUE as sops set does: it must be JSON. A scalar becomes a string,
// number (float, as encoding/json gives sops), bool or null; an object or array becomes an
// ordered branch or list, parsed by the JSON store so that order and types match a file.
func parseSetValue(raw []byte) (any, error) {
	var probe any
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, errors.New(`VALUE is not valid JSON (a string needs quotes: '"text"')`)
	}
	switch probe.(type) {
	case map[string]any, []any:
		wrapped := append(append([]byte(`{"v":`), bytes.TrimSpace(raw)...), '}')
		docs, err := sopsfile.ParsePlain(wrapped, sopsfile.JSON)
		if err != nil || len(docs) != 1 {
			return nil, errors.New("VALUE: invalid JSON object or array")
		}
		v, _ := docs[0].Get("v")
		return v, nil
	}
	return probe, nil
}

// rewriteInPlace decrypts path, applies change, and writes the file back atomically when
// change reports a modification.
func rewriteInPlace(cmd *cobra.Command, idf *identityFlags, ff *formatFlags, path string, change func(*sopsfile.File) (bool, error)) error {
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
	changed, err := change(f)
	if err != nil || !changed {
		return err
	}
	enc, err := f.Encrypt()
	if err != nil {
		return err // names the file
	}
	return writeFileAtomic(path, enc, 0o644)
}

func newSetCmd() *cobra.Command {
	var (
		idf       identityFlags
		ff        formatFlags
		fromStdin bool
		valueFile bool
	)
	cmd := &cobra.Command{
		Use:   "set [flags] FILE KEYPATH [VALUE]",
		Short: "Set one value in a sops file",
		Long: `Set the value at KEYPATH (sops' syntax: '["a"]["b"][0]') in an encrypted file, creating
maps on the way, and write the file back in place. As with sops set, VALUE is JSON: a
string needs quotes ('"text"'), 5 is a number, {"k": "v"} a map. With --stdin the JSON
value is read from stdin (so it stays out of the process list and shell history); with
--value-file, from the file named by VALUE. If the value is already there, the file is
left untouched.`,
		Example: `  hush set secrets.yaml '["db"]["password"]' '"hunter2"'
  printf '"%s"' "$TOKEN" | hush set --stdin secrets.yaml '["api"]["token"]'`,
		Args: cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if fromStdin && valueFile {
				return errors.New("--stdin and --value-file exclude each other")
			}
			if fromStdin != (len(args) == 2) {
				if fromStdin {
					return errors.New("with --stdin, give FILE and KEYPATH only")
				}
				return errors.New("give FILE, KEYPATH and VALUE (or --stdin)")
			}
			kp, err := sopsfile.ParseKeyPath(args[1])
			if err != nil {
				return fmt.Errorf("KEYPATH: %w", err)
			}
			var raw []byte
			switch {
			case fromStdin:
				if raw, err = io.ReadAll(cmd.InOrStdin()); err != nil {
					return fmt.Errorf("stdin: %w", err)
				}
			case valueFile:
				if raw, err = os.ReadFile(args[2]); err != nil {
					return err
				}
			default:
				raw = []byte(args[2])
			}
			v, err := parseSetValue(raw)
			if err != nil {
				return err
			}
			return rewriteInPlace(cmd, &idf, &ff, path, func(f *sopsfile.File) (bool, error) {
				if old, err := f.Lookup(kp); err == nil && reflect.DeepEqual(old, v) {
					fmt.Fprintf(cmd.ErrOrStderr(), "hush: %s: %s already has this value; file not written\n", path, args[1])
					return false, nil
				}
				if err := f.Set(kp, v); err != nil {
					return false, fmt.Errorf("%s: %s: %w", path, args[1], err)
				}
				return true, nil
			})
		},
	}
	idf.register(cmd)
	ff.register(cmd, true, false)
	cmd.Flags().BoolVar(&fromStdin, "stdin", false, "read the JSON value from stdin")
	cmd.Flags().BoolVar(&fromStdin, "value-stdin", false, "same as --stdin (sops' name)")
	cmd.Flags().BoolVar(&valueFile, "value-file", false, "VALUE names a file holding the JSON value")
	_ = cmd.Flags().MarkHidden("value-stdin")
	var idem bool
	cmd.Flags().BoolVar(&idem, "idempotent", false, "accepted for sops compatibility: hush never rewrites a file whose value is unchanged")
	return cmd
}

func newUnsetCmd() *cobra.Command {
	var (
		idf        identityFlags
		ff         formatFlags
		idempotent bool
	)
	cmd := &cobra.Command{
		Use:     "unset [flags] FILE KEYPATH",
		Short:   "Remove one value from a sops file",
		Long:    `Remove the value at KEYPATH ('["a"]["b"]') from an encrypted file and write it back in place. A missing key path is an error, unless --idempotent.`,
		Example: `  hush unset secrets.yaml '["old"]["token"]'`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			kp, err := sopsfile.ParseKeyPath(args[1])
			if err != nil {
				return fmt.Errorf("KEYPATH: %w", err)
			}
			return rewriteInPlace(cmd, &idf, &ff, path, func(f *sopsfile.File) (bool, error) {
				if _, err := f.Lookup(kp); err != nil && idempotent {
					return false, nil
				}
				if err := f.Unset(kp); err != nil {
					return false, fmt.Errorf("%s: %s: %w", path, args[1], err)
				}
				return true, nil
			})
		},
	}
	idf.register(cmd)
	ff.register(cmd, true, false)
	cmd.Flags().BoolVar(&idempotent, "idempotent", false, "a missing KEYPATH is not an error (the file is left untouched)")
	return cmd
}
