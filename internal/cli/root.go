package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X github.com/hush-nix/hush/internal/cli.Version=...".
var Version = "0.1.0-dev"

// ExitError carries a specific exit status out of a command (e.g. 1 = leak found, 2 = partial
// install). Its message, if any, is printed once.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// NewRoot builds the whole command tree.
func NewRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "hush",
		Short:         "Secrets for Nix and NixOS: sops-compatible files, RAM-only install, leak proofs",
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("hush {{.Version}}\n")
	root.AddCommand(
		newKeygenCmd(),
		newKeyCmd(),
		newEncryptCmd(),
		newDecryptCmd(),
		newEditCmd(),
		newSetCmd(),
		newUnsetCmd(),
		newUpdatekeysCmd(),
		newRotateCmd(),
		newInitCmd(),
		newDemoCmd(),
	)
	for _, extra := range extraCommands {
		root.AddCommand(extra())
	}
	return root
}

// extraCommands lets command groups that are still being built register themselves
// (install, status, scan, redact, ...) without editing this file at the same time.
var extraCommands []func() *cobra.Command

// Main runs hush with the given argv and returns the process exit status.
func Main(args []string) int {
	name := filepath.Base(args[0])
	if name == "sops-install-secrets" && sopsInstallSecretsMain != nil {
		return sopsInstallSecretsMain(args[1:])
	}
	root := NewRoot()
	root.SetArgs(args[1:])
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintln(os.Stderr, "hush:", ee.Err)
		}
		return ee.Code
	}
	fmt.Fprintln(os.Stderr, "hush:", err)
	return 1
}

// sopsInstallSecretsMain is set by the install command group: the binary invoked as
// sops-install-secrets behaves like sops-nix's installer.
var sopsInstallSecretsMain func(args []string) int
