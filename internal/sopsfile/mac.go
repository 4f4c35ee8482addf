package sopsfile

import (
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"
)

// The MAC is SHA-512 over the byte form of every value (see plainBytes) in walk order,
// comments excluded, nulls excluded. With mac_only_encrypted only the values that end up
// encrypted count, and the hash starts with a fixed 32-byte prefix so the two kinds of MAC
// can never be equal. The hex digest (upper case) is stored as an ENC[...] string value,
// sealed with the data key and the lastmodified time as additional data: changing a value,
// lastmodified or the MAC itself makes decryption fail.
//
// What the MAC does not cover, in sops as here: mapping keys, comments, nulls, and the
// metadata fields that only name things (recipient, fp, created_at, version). A changed key
// name changes the additional data of the values below it, so their decryption fails instead.

// macOnlyEncryptedInit is SHA-256("sops"), the prefix sops hashes first when
// mac_only_encrypted is set.
var macOnlyEncryptedInit = mustHex("8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69")

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// macHasher accumulates the MAC over a walk.
type macHasher struct {
	h       hash.Hash
	onlyEnc bool
	scratch []byte
}

func newMACHasher(onlyEncrypted bool) *macHasher {
	m := &macHasher{h: sha512.New(), onlyEnc: onlyEncrypted}
	if onlyEncrypted {
		m.h.Write(macOnlyEncryptedInit)
	}
	return m
}

// add feeds a plaintext value, if the MAC covers it.
func (m *macHasher) add(v any, encrypted bool) error {
	if m.onlyEnc && !encrypted {
		return nil
	}
	switch v := v.(type) {
	case Comment:
		return nil
	case []byte:
		m.h.Write(v)
		return nil
	}
	b, _, err := plainBytes(m.scratch[:0], v)
	if err != nil {
		return err
	}
	m.h.Write(b)
	m.scratch = b[:0]
	return nil
}

// wipe clears the scratch buffer, which held plaintext.
func (m *macHasher) wipe() { clear(m.scratch[:cap(m.scratch)]) }

// sum is the MAC in the form sops stores it (before encryption): upper-case hex.
func (m *macHasher) sum() string {
	return strings.ToUpper(hex.EncodeToString(m.h.Sum(nil)))
}

// macAdditionalData is the additional data of the MAC: lastmodified as sops re-formats it
// after parsing (RFC 3339, whole seconds, the zone as written).
func macAdditionalData(lastModified string) ([]byte, error) {
	t, err := time.Parse(time.RFC3339, lastModified)
	if err != nil {
		return nil, fmt.Errorf("lastmodified %q is not an RFC 3339 time", lastModified)
	}
	return []byte(t.Format(time.RFC3339)), nil
}

var (
	errMACMismatch = errors.New("MAC mismatch: the values do not match the MAC (the file was changed without its data key, or a metadata field was tampered with)")
	errNoMAC       = errors.New("the file has no MAC")
)

// checkMAC decrypts the stored MAC and compares it with the computed one.
func checkMAC(c *valueCipher, meta *Metadata, computed string) error {
	if meta.MAC == "" {
		return errNoMAC
	}
	ad, err := macAdditionalData(meta.LastModified)
	if err != nil {
		return err
	}
	pt, typ, err := c.open(meta.MAC, ad)
	if err != nil {
		if errors.Is(err, errAuth) {
			return errors.New("cannot decrypt the MAC: the MAC or lastmodified was tampered with")
		}
		return fmt.Errorf("cannot decrypt the MAC: %w", err)
	}
	if typ != "str" || subtle.ConstantTimeCompare(pt, []byte(computed)) != 1 {
		return errMACMismatch
	}
	return nil
}

// sealMAC encrypts a computed MAC for lastModified.
func sealMAC(c *valueCipher, lastModified, computed string) (string, error) {
	ad, err := macAdditionalData(lastModified)
	if err != nil {
		return "", err
	}
	return c.encryptValue(computed, ad, nil)
}
