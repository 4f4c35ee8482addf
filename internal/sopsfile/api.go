package sopsfile

// API CONTRACT (skeleton). The CLI, install and leak packages code against these names; the
// sopsfile work fills in the bodies and may add to them, but must not change these signatures
// without telling every user.

import (
	"errors"

	"github.com/hush-nix/hush/internal/keys"
)

var errTODO = errors.New("sopsfile: not implemented yet")

var _ = errTODO

// AgeKey is one age master key entry of the metadata.
type AgeKey struct {
	Recipient string
	Enc       string // armored age message holding the data key (or its Shamir share)
}

// PGPKey is one pgp master key entry of the metadata.
type PGPKey struct {
	Fingerprint string
	CreatedAt   string
	Enc         string
}

// OtherKey is a master key hush cannot use (kms, gcp_kms, azure_kv, hc_vault, ...): kept
// intact on rewrite, reported as unsupported when it is the only way in.
type OtherKey struct {
	Kind   string // the metadata list it came from: "kms", "gcp_kms", "azure_kv", "hc_vault", ...
	Fields Branch // the entry as read, in order
}

// KeyGroup is one group of master keys; without key_groups, the top-level lists form one group.
type KeyGroup struct {
	Age   []AgeKey
	PGP   []PGPKey
	Other []OtherKey
}

// Metadata is the "sops" section.
type Metadata struct {
	KeyGroups       []KeyGroup
	UsesKeyGroups   bool // written as key_groups (else as top-level lists)
	ShamirThreshold int
	LastModified    string // RFC 3339, exactly as stored (it is the MAC's additional data)
	MAC             string

	UnencryptedSuffix       string
	EncryptedSuffix         string
	UnencryptedRegex        string
	EncryptedRegex          string
	UnencryptedCommentRegex string
	EncryptedCommentRegex   string
	MACOnlyEncrypted        bool
	Version                 string

	// suffixDefaulted: the file named no suffix/regex option and UnencryptedSuffix holds sops'
	// default; it is then not written back (sops writes none for binary files).
	suffixDefaulted bool
}

// File is a decrypted sops file: plaintext documents, metadata and the data key. Keep it in
// memory only.
type File struct {
	Path    string
	Format  Format
	Docs    []Branch
	Meta    Metadata
	DataKey []byte
	// Stores is the output layout (.sops.yaml's stores section) for Encrypt and Plaintext;
	// nil means sops' defaults. See layout.go.
	Stores *StoreOptions

	// What Decrypt read (or the last Encrypt wrote), to keep unchanged values' ciphertexts
	// and, when nothing changed, lastmodified and the MAC. orig is the caller's slice: it is
	// ciphertext, and it must not be modified while the File is in use.
	orig     []byte
	origKey  []byte
	origMeta Metadata
	// shares are the Shamir shares known for the data key (group index -> share), so Rewrap
	// can keep groups it cannot re-wrap; nil without key groups.
	shares map[int][]byte
}

// Decrypt parses an encrypted file in the given format, unwraps the data key with ids,
// decrypts every value and verifies the MAC. Errors name path and, where relevant, the key
// path; a wrong key lists the file's recipients and ids.Describe() (ErrNoKey), a file only
// kms/vault/... keys can open says so (ErrUnsupportedKeys). With key groups it stops opening
// groups once the threshold is met. The File keeps a reference to data (ciphertext) for
// Encrypt; do not modify data afterwards.
func Decrypt(path string, data []byte, format Format, ids *keys.Set) (*File, error) {
	if ids == nil {
		return decryptFile(path, data, format, nil)
	}
	return decryptFile(path, data, format, ids)
}

// Recipients says who a new file, or updatekeys, encrypts the data key to.
type Recipients struct {
	Groups          []KeyGroupRecipients // one group unless key groups are used
	UseKeyGroups    bool                 // informational: one group is written as top-level lists, as sops does
	ShamirThreshold int                  // 0 with several groups means all of them
	GnuPGHome       string               // for pgp public keys
}

// KeyGroupRecipients is one group's recipients.
type KeyGroupRecipients struct {
	Age []string // age1..., ssh-ed25519 ..., ssh-rsa ..., age1<plugin>1...
	PGP []string // fingerprints
}

// EncryptionRules are the options of .sops.yaml / flags deciding which values get encrypted.
// At most one of the suffix/regex options may be set (as in sops).
type EncryptionRules struct {
	UnencryptedSuffix       string
	EncryptedSuffix         string
	UnencryptedRegex        string
	EncryptedRegex          string
	UnencryptedCommentRegex string
	EncryptedCommentRegex   string
	MACOnlyEncrypted        bool
}

// New makes a File from plaintext docs: a new random data key wrapped for r. With no rule
// set, unencrypted_suffix _unencrypted applies (and is written), as in sops; for Binary all
// rules are ignored, as sops does for its single-value store.
func New(path string, format Format, docs []Branch, r Recipients, rules EncryptionRules) (*File, error) {
	return newFile(path, format, docs, r, rules, defaultWrapper)
}

// ParsePlain parses plaintext input in a format (for encrypt and edit).
func ParsePlain(data []byte, format Format) ([]Branch, error) { return parsePlain(data, format) }

// Encrypt serialises f encrypted: lastmodified set now, MAC recomputed. A value whose
// plaintext is unchanged since Decrypt keeps its exact ciphertext, so diffs stay small.
// When nothing at all changed (documents, metadata, data key), lastmodified and the MAC are
// kept too, so the output is byte-identical to the store's re-emission of the input (for a
// file sops wrote: the input itself). See encrypt.go.
func (f *File) Encrypt() ([]byte, error) { return f.encrypt() }

// Plaintext emits the decrypted documents in a format (sops decrypt's output, byte for byte).
func (f *File) Plaintext(format Format) ([]byte, error) { return f.plaintext(format) }

// KeyPath is a parsed '["a"]["b"][0]': elements are string (map key) or int (list index).
type KeyPath []any

// ParseKeyPath parses sops' --extract syntax.
func ParseKeyPath(s string) (KeyPath, error) { return parseKeyPath(s) }

// Lookup returns the value at a key path in the first document.
func (f *File) Lookup(p KeyPath) (any, error) { return f.lookup(p) }

// Set replaces or adds the value at p (creating maps on the way); Unset removes it.
func (f *File) Set(p KeyPath, v any) error { return f.set(p, v) }
func (f *File) Unset(p KeyPath) error      { return f.unset(p) }

// Rewrap wraps the current data key for r (updatekeys), keeping values untouched. Recipients
// already present in the same group keep their entry; kms/vault/... entries are kept when the
// number of groups and the threshold stay (the shares of groups hush could not open are
// re-derived from the ones it did), else Rewrap refuses rather than drop them.
func (f *File) Rewrap(r Recipients) error { return f.rewrap(r, defaultWrapper) }

// Rotate replaces the data key (values are re-encrypted by the next Encrypt). It refuses
// files with kms/vault/... master keys, which hush cannot wrap the new key for.
func (f *File) Rotate(r Recipients) error { return f.rotate(r, defaultWrapper) }

// IsAgeFile and DecryptAgeFile (whole-file age files, agenix style) are in agefile.go.
