package sopsfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age/armor"

	"github.com/hush-nix/hush/internal/keys"
)

// Whole-file age files, as agenix keeps secrets: the file is one age message, armored
// ("-----BEGIN AGE ENCRYPTED FILE-----") or binary ("age-encryption.org/v1" header), and
// its plaintext is the secret, byte for byte. No sops metadata, no per-value cipher.

const (
	ageBinaryMagic = "age-encryption.org/v1\n"
	ageArmorHeader = "-----BEGIN AGE ENCRYPTED FILE-----"
)

// IsAgeFile reports whether data is a whole-file age file (armored or binary), agenix style.
func IsAgeFile(data []byte) bool {
	if bytes.HasPrefix(data, []byte(ageBinaryMagic)) {
		return true
	}
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(ageArmorHeader))
}

// DecryptAgeFile decrypts a whole-file age file. When no loaded identity fits, the error
// lists the file's recipient stanzas (their types and, for SSH keys, key tags: an age header
// names no recipient) and the identities tried.
func DecryptAgeFile(path string, data []byte, ids *keys.Set) ([]byte, error) {
	if !IsAgeFile(data) {
		return nil, fmt.Errorf("%s: not an age file (no %q header or armor)", path, strings.TrimSuffix(ageBinaryMagic, "\n"))
	}
	if ids == nil {
		return nil, fmt.Errorf("%s: no identities loaded", path)
	}
	out, err := ids.UnwrapAge(data)
	if err == nil {
		return out, nil
	}
	if errors.Is(err, keys.ErrNoIdentity) {
		stanzas := "unreadable header"
		if s, herr := ageStanzas(data); herr == nil {
			stanzas = strings.Join(s, ", ")
		}
		tried := strings.Join(triedFor(ids.Describe(), false), ", ")
		if tried == "" {
			tried = "none"
		}
		return nil, fmt.Errorf("%s: no identity can decrypt this age file (it is encrypted to: %s; identities tried: %s): %w", path, stanzas, tried, err)
	}
	return nil, fmt.Errorf("%s: %w", path, err)
}

// ageStanzas describes the recipient stanzas of an age header, e.g. "X25519",
// "ssh-ed25519 (key tag Ab12Cd)", "scrypt (passphrase)".
func ageStanzas(data []byte) ([]string, error) {
	var r io.Reader = bytes.NewReader(data)
	if !bytes.HasPrefix(data, []byte(ageBinaryMagic)) {
		r = armor.NewReader(bytes.NewReader(bytes.TrimLeft(data, " \t\r\n")))
	}
	br := bufio.NewReader(io.LimitReader(r, 1<<20))
	first, err := br.ReadString('\n')
	if err != nil || first != ageBinaryMagic {
		return nil, errors.New("bad age header")
	}
	var out []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, errors.New("truncated age header")
		}
		if strings.HasPrefix(line, "---") {
			return out, nil
		}
		if !strings.HasPrefix(line, "-> ") {
			continue // a body line of the previous stanza
		}
		f := strings.Fields(line[3:])
		if len(f) == 0 {
			continue
		}
		switch {
		case (f[0] == "ssh-ed25519" || f[0] == "ssh-rsa") && len(f) > 1:
			out = append(out, fmt.Sprintf("%s (key tag %s)", f[0], f[1]))
		case f[0] == "scrypt":
			out = append(out, "scrypt (passphrase)")
		default:
			out = append(out, f[0])
		}
	}
}
