package keys

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"
)

// A small-file path for age decryption. sops data keys are 32 bytes, and install unwraps one
// per file per activation, about a thousand times. age.Decrypt is built for streams: each
// call allocates two 64 KiB chunk buffers (~157 KB/op measured), which is all garbage here.
// For a payload that fits one chunk, this decrypts the header with age itself
// (age.DecryptHeader: stanzas, identities and header MAC stay age's business) and opens the
// single chunk with the age v1 payload rules (age-encryption.org/v1 spec, "Payload"):
// stream key = HKDF-SHA256(file key, salt = 16-byte nonce, info = "payload"), one
// ChaCha20-Poly1305 chunk with an all-zero 11-byte counter and the last-chunk flag 0x01.
// Anything else (several chunks) goes through age.Decrypt.

const (
	ageChunkSize    = 64 * 1024
	ageEncChunkSize = ageChunkSize + chacha20poly1305.Overhead
	ageNonceSize    = 16
)

var errTruncated = errors.New("age: truncated file")

var armorFooter = []byte("-----END AGE ENCRYPTED FILE-----")

// dearmor returns the binary age file inside enc (armored or not). The armor is decoded here
// rather than with armor.NewReader, whose buffered reader is most of what a small unwrap
// allocates; it accepts the age armor (RFC 7468 strict base64, LF or CRLF lines) and,
// leniently, any line length.
func dearmor(enc []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(enc)
	if !bytes.HasPrefix(trimmed, armorHeader) {
		return bytes.TrimLeft(enc, " \t\r\n"), nil
	}
	if len(trimmed) < len(armorHeader)+len(armorFooter) || !bytes.HasSuffix(trimmed, armorFooter) {
		return nil, errors.New("age armor: missing footer line")
	}
	body := trimmed[len(armorHeader) : len(trimmed)-len(armorFooter)]
	compact := make([]byte, 0, len(body))
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		compact = append(compact, bytes.TrimSuffix(line, []byte("\r"))...)
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(compact)))
	n, err := base64.StdEncoding.Strict().Decode(out, compact)
	if err != nil {
		return nil, errors.New("age armor: invalid base64")
	}
	return out[:n], nil
}

// headerEnd returns the length of the age header in bin: up to and including the MAC line
// ("--- " ...). Stanza lines start with "-> " and bodies are base64, so the first line that
// starts with "--- " is the MAC line.
func headerEnd(bin []byte) int {
	i := bytes.Index(bin, []byte("\n--- "))
	if i < 0 {
		return -1
	}
	j := bytes.IndexByte(bin[i+1:], '\n')
	if j < 0 {
		return -1
	}
	return i + 1 + j + 1
}

// decryptSmall decrypts a one-chunk age file; ok is false when the file is not of that shape
// and the caller must use age.Decrypt.
func decryptSmall(bin []byte, ids []age.Identity) (out []byte, ok bool, err error) {
	n := headerEnd(bin)
	if n < 0 {
		return nil, false, nil
	}
	payload := bin[n:]
	if len(payload) < ageNonceSize+chacha20poly1305.Overhead || len(payload) > ageNonceSize+ageEncChunkSize {
		return nil, false, nil
	}
	fileKey, err := age.DecryptHeader(bin[:n], ids...)
	if err != nil {
		return nil, true, err
	}
	defer clear(fileKey)
	key, err := hkdf.Key(sha256.New, fileKey, payload[:ageNonceSize], "payload", chacha20poly1305.KeySize)
	if err != nil {
		return nil, true, err
	}
	defer clear(key)
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, true, err
	}
	var nonce [chacha20poly1305.NonceSize]byte
	nonce[len(nonce)-1] = 1 // last chunk
	ct := payload[ageNonceSize:]
	out, err = aead.Open(make([]byte, 0, len(ct)-chacha20poly1305.Overhead), nonce[:], ct, nil)
	if err != nil {
		return nil, true, errors.New("failed to decrypt and authenticate payload chunk, file may be corrupted or tampered with")
	}
	return out, true, nil
}

// decryptStream is the general path.
func decryptStream(bin []byte, ids []age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(bin), ids...)
	if err != nil {
		return nil, err
	}
	buf := bytes.NewBuffer(make([]byte, 0, 64))
	if _, err := io.Copy(buf, r); err != nil {
		clear(buf.Bytes())
		return nil, err
	}
	return buf.Bytes(), nil
}
