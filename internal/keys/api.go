package keys

// API CONTRACT. Other packages code against these names; the bodies live in the files named
// for what they do (load.go, set.go, recipients.go, sshtoage.go, pgp.go). Do not change these
// signatures without telling every user of them.

import (
	"errors"
)

// LoadOptions says where to look for identities. Zero values mean "use the defaults".
type LoadOptions struct {
	// Files are --identity FILE arguments, in order. Each may hold age identities
	// (AGE-SECRET-KEY-1..., AGE-PLUGIN-...), or an SSH private key.
	Files []string
	// Getenv reads the environment (os.Getenv when nil): HUSH_AGE_KEY_FILE, SOPS_AGE_KEY_FILE,
	// SOPS_AGE_KEY, SOPS_AGE_SSH_PRIVATE_KEY_FILE, GNUPGHOME, XDG_CONFIG_HOME, HOME.
	Getenv func(string) string
	// NoDefaults skips the default locations (~/.config/sops/age/keys.txt, ~/.ssh/id_ed25519,
	// ~/.ssh/id_rsa); used by tests and by install, which names its keys explicitly.
	NoDefaults bool
	// SSHKeyPaths are SSH private keys to use as age identities (host keys, for install).
	SSHKeyPaths []string
	// GnuPGHome, when set, enables pgp decryption through the gpg binary with that home.
	GnuPGHome string
	// PGPKeyFiles are armored OpenPGP private key files used directly (no gpg needed).
	PGPKeyFiles []string
	// Prompt reads a passphrase for an encrypted SSH key; nil means read from /dev/tty,
	// and fail clearly when there is none.
	Prompt func(description string) ([]byte, error)
}

// Set is the loaded identities. It is safe for concurrent use once loaded.
type Set struct {
	opts  LoadOptions
	state setState
}

// Load finds and parses identities. A file named explicitly that cannot be read or parsed is
// an error naming the file; missing default locations are silently skipped.
func Load(opts LoadOptions) (*Set, error) { return load(opts) }

// Describe lists the identities tried, by their public part and source, for error messages
// ("age1... (from /root/.config/sops/age/keys.txt)"). Never secret material.
func (s *Set) Describe() []string { return s.state.describe() }

// AgeRecipients returns the public recipients of the loaded age identities where known
// (used to check that a file is encrypted to this host).
func (s *Set) AgeRecipients() []string { return s.state.ageRecipients() }

// UnwrapAge decrypts an age-encrypted blob (armored or binary) with any loaded identity.
// It returns ErrNoIdentity (wrapped) when no identity matches.
func (s *Set) UnwrapAge(enc []byte) ([]byte, error) { return s.state.unwrapAge(enc) }

// UnwrapPGP decrypts an armored OpenPGP message for key fingerprint fp, with a key file or
// through gpg. It returns ErrNoIdentity (wrapped) when no secret key is available.
func (s *Set) UnwrapPGP(fp string, enc []byte) ([]byte, error) { return s.state.unwrapPGP(fp, enc) }

// ErrNoIdentity means none of the loaded identities can decrypt the blob.
var ErrNoIdentity = errors.New("no matching identity")

// WrapAge encrypts data to the given recipients (age1..., age1<plugin>1..., ssh-ed25519 ...,
// ssh-rsa ...), armored, as sops stores it in its metadata.
func WrapAge(data []byte, recipients ...string) (string, error) { return wrapAge(data, recipients) }

// WrapPGP encrypts data to the OpenPGP key with fingerprint fp, armored. The public key comes
// from the armored files in $HUSH_PGP_PUBLIC_KEY_FILE and $HUSH_PGP_KEY_FILE (lists, separated
// like $PATH), else from `gpg --export fp` in gnupgHome ("" : $GNUPGHOME or gpg's default).
// WrapPGPWith takes the files explicitly.
func WrapPGP(data []byte, fp string, gnupgHome string) (string, error) {
	return WrapPGPWith(data, fp, PGPWrapOptions{PublicKeyFiles: pgpPublicKeyFilesFromEnv(), GnuPGHome: gnupgHome})
}

// ParseAgeRecipient checks one recipient string (for .sops.yaml and --age).
func ParseAgeRecipient(s string) error { _, err := parseRecipient(s); return err }

// GenerateX25519 returns a new age identity ("AGE-SECRET-KEY-1...") and its recipient.
func GenerateX25519() (identity, recipient string, err error) { return generateX25519() }

// SSHToAgeRecipient converts an ssh-ed25519 public key (authorized_keys line) to the X25519
// age recipient that ssh-to-age gives.
func SSHToAgeRecipient(authorizedKey []byte) (string, error) { return sshToAgeRecipient(authorizedKey) }

// SSHToAgeIdentity converts an OpenSSH ed25519 private key to the X25519 age identity that
// ssh-to-age -private-key gives. passphrase may be nil for an unencrypted key.
func SSHToAgeIdentity(privateKey []byte, passphrase []byte) (string, error) {
	return sshToAgeIdentity(privateKey, passphrase)
}
