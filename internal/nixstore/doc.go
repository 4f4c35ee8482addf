// Package nixstore holds the Nix facts hush needs: store paths and the store directory,
// closures (nix-store -qR), the outputs and deriver of a path, derivation (.drv, ATerm)
// parsing with byte positions (so a leak in a .drv is named by its attribute), and where Nix
// keeps build logs. It runs nix-store for queries and never builds, adds or deletes anything;
// it is not a Nix store client library (no daemon protocol, no NAR handling).
package nixstore
