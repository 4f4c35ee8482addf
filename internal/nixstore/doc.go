// Package nixstore holds the Nix facts hush needs: store paths, closures (nix-store -qR),
// derivation (.drv, ATerm) parsing, and where Nix keeps build logs. It runs nix-store for
// queries and never builds anything.
package nixstore
