// Package nixtest runs real Nix for hush's end-to-end tests: a private Nix configuration per
// test (no substituters, no build users unless asked, its own log directory), unique
// derivation names per run (fixed-output derivations are cached by hash), clean-up of exactly
// the store paths a test made, a loopback HTTP server that wants a credential, and a hush
// binary built once per test process.
//
// It is for tests only: nothing in hush's commands imports it. The tests live in
// e2e_test.go and skip without Nix or root (internal/testenv).
package nixtest
