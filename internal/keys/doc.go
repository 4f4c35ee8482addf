// Package keys loads identities (what can decrypt) and parses recipients (what can be encrypted
// to): age X25519, SSH ed25519/RSA via agessh, the ssh-to-age conversion, OpenPGP (armored key
// files or a GnuPG home through the gpg binary) and age plugins.
//
// It knows nothing of the sops file format: it wraps and unwraps opaque data keys.
package keys
