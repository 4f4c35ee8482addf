// Package install is hush's activation engine: it turns a validated manifest into files on a
// RAM filesystem, atomically, with exact owners and modes, and reports what changed.
//
// The flow is plan -> decrypt -> stage -> switch -> report -> prune (see Engine.Install).
// Each source file is decrypted once, files in parallel; every file of a generation is
// created relative to its directory's file descriptor with O_CREAT|O_EXCL|O_NOFOLLOW, owned
// and chmod'ed on the descriptor before a byte is written; the visible symlink is switched
// with a single rename, so a crash at any point leaves it pointing at a complete generation.
//
// It is not a manifest parser (internal/manifest), not a sops implementation
// (internal/sopsfile) and not a key loader (internal/keys): it consumes them through the
// small Decrypter interface so tests can run it without real keys.
package install
