package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// encrypt, decrypt, edit, set, unset, updatekeys, rotate, init: stubs until the sopsfile work lands.

func stub(use, short string) *cobra.Command {
	return &cobra.Command{Use: use, Short: short,
		RunE: func(*cobra.Command, []string) error { return errors.New("not implemented yet") }}
}

func newEncryptCmd() *cobra.Command    { return stub("encrypt FILE", "Encrypt a file in sops format") }
func newDecryptCmd() *cobra.Command    { return stub("decrypt FILE", "Decrypt a sops file") }
func newEditCmd() *cobra.Command       { return stub("edit FILE", "Edit a sops file in $EDITOR") }
func newSetCmd() *cobra.Command        { return stub("set FILE KEYPATH VALUE", "Set one value") }
func newUnsetCmd() *cobra.Command      { return stub("unset FILE KEYPATH", "Remove one value") }
func newUpdatekeysCmd() *cobra.Command { return stub("updatekeys FILE...", "Re-wrap data keys") }
func newRotateCmd() *cobra.Command     { return stub("rotate FILE", "Replace the data key") }
func newInitCmd() *cobra.Command       { return stub("init", "Write a .sops.yaml") }
func newDemoCmd() *cobra.Command       { return stub("demo", "A self-contained tour") }
