package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// keygen, key from-ssh: owned by the keys work. Stubs until then.

func newKeygenCmd() *cobra.Command {
	return &cobra.Command{Use: "keygen [-o FILE]", Short: "Generate a new age X25519 identity",
		RunE: func(*cobra.Command, []string) error { return errors.New("not implemented yet") }}
}

func newKeyCmd() *cobra.Command {
	return &cobra.Command{Use: "key", Short: "Convert and inspect keys"}
}
