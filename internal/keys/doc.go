// Package keys loads identities (what can decrypt) and parses recipients (what can be
// encrypted to), and wraps and unwraps the small blobs sops keeps in its metadata:
//
//   - age X25519 and post-quantum identities and recipients (filippo.io/age);
//   - SSH ed25519 and RSA keys as age identities and recipients (agessh), passphrase-protected
//     keys asking on the terminal only when a file is really addressed to them;
//   - the ssh-to-age conversion of ed25519 keys to X25519 keys, byte-for-byte what ssh-to-age
//     prints, and applied to loaded SSH host keys as sops-install-secrets does;
//   - age plugins (age1<name>1..., AGE-PLUGIN-...) through filippo.io/age/plugin;
//   - OpenPGP for sops "pgp" master keys: armored key files through ProtonMail/go-crypto, or a
//     GnuPG home through the gpg binary (GnuPG 2 keeps secret keys in its agent).
//
// Load reads identities once from the places sops users already use (see load.go for the
// order); the Set it returns is safe for concurrent use, and UnwrapAge is built to be called
// a thousand times per activation.
//
// It is not for: the sops file format (internal/sopsfile), deciding which recipients a file
// gets (internal/rules), or storing keys. It never logs, and its errors never hold secret
// material: they name files and public keys only.
package keys
