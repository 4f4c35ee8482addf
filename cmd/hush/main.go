// Command hush is a secrets manager for Nix and NixOS. See the README.
package main

import (
	"os"

	"github.com/hush-nix/hush/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args))
}
