package keys

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// The ssh-to-age conversion: an ssh-ed25519 key becomes a plain age X25519 key, so that a
// host's SSH key can be a recipient of ordinary "X25519" stanzas (sops-nix's usual setup).
// Outputs are byte-for-byte what the ssh-to-age tool prints, including its choice to write
// the private scalar unclamped (X25519 clamps it when used, so it decrypts the same).

// ErrNotEd25519 is returned when a key of another type is given to the conversion.
var ErrNotEd25519 = errors.New("only ssh-ed25519 keys convert to age X25519 keys (ssh-rsa keys can be used directly as recipients)")

// SSHPublicKey is one converted line of an authorized_keys, known_hosts or ssh-keyscan file.
type SSHPublicKey struct {
	Type      string `json:"type"`      // "ssh-ed25519"
	Comment   string `json:"comment"`   // authorized_keys comment or known_hosts host names
	Recipient string `json:"recipient"` // age1...
}

func sshToAgeRecipient(authorizedKey []byte) (string, error) {
	keys, err := SSHToAgeRecipients(authorizedKey)
	if err != nil {
		return "", err
	}
	return keys[0].Recipient, nil
}

// SSHToAgeRecipients converts every ssh-ed25519 public key in data (authorized_keys lines,
// known_hosts or ssh-keyscan output). Keys of other types are skipped; it is an error when
// nothing converts.
func SSHToAgeRecipients(data []byte) ([]SSHPublicKey, error) {
	var out []SSHPublicKey
	var skipped []string
	for lineNo, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		pk, comment, err := parseSSHPublicLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo+1, err)
		}
		if pk.Type() != ssh.KeyAlgoED25519 {
			skipped = append(skipped, pk.Type())
			continue
		}
		r, err := ed25519SSHToRecipient(pk)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo+1, err)
		}
		out = append(out, SSHPublicKey{Type: pk.Type(), Comment: comment, Recipient: r})
	}
	if len(out) == 0 {
		if len(skipped) > 0 {
			return nil, fmt.Errorf("got %s: %w", strings.Join(skipped, ", "), ErrNotEd25519)
		}
		return nil, errors.New("no SSH public key found")
	}
	return out, nil
}

// parseSSHPublicLine reads an authorized_keys line or a known_hosts line. A line that starts
// with a key type is an authorized_keys line (as ssh-to-age decides); otherwise known_hosts
// is tried first, as its host field would pass for authorized_keys options.
func parseSSHPublicLine(line []byte) (ssh.PublicKey, string, error) {
	startsWithType := bytes.HasPrefix(line, []byte("ssh-")) || bytes.HasPrefix(line, []byte("ecdsa-")) || bytes.HasPrefix(line, []byte("sk-"))
	if !startsWithType {
		if _, hosts, pk, _, _, err := ssh.ParseKnownHosts(line); err == nil {
			return pk, strings.Join(hosts, ","), nil
		}
	}
	if pk, comment, _, _, err := ssh.ParseAuthorizedKey(line); err == nil {
		return pk, comment, nil
	}
	return nil, "", fmt.Errorf("not an SSH public key (authorized_keys or known_hosts line)")
}

func ed25519SSHToRecipient(pk ssh.PublicKey) (string, error) {
	cpk, ok := pk.(ssh.CryptoPublicKey)
	if !ok {
		return "", ErrNotEd25519
	}
	edpk, ok := cpk.CryptoPublicKey().(ed25519.PublicKey)
	if !ok {
		return "", ErrNotEd25519
	}
	u, err := edwardsToMontgomery(edpk)
	if err != nil {
		return "", err
	}
	return bech32Encode("age", u)
}

func sshToAgeIdentity(privateKey, passphrase []byte) (string, error) {
	var raw any
	var err error
	if passphrase != nil {
		raw, err = ssh.ParseRawPrivateKeyWithPassphrase(privateKey, passphrase)
	} else {
		raw, err = ssh.ParseRawPrivateKey(privateKey)
	}
	if err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return "", fmt.Errorf("SSH private key is passphrase-protected: %w", ErrPassphraseNeeded)
		}
		if errors.Is(err, x509.IncorrectPasswordError) {
			return "", errors.New("SSH private key: wrong passphrase")
		}
		return "", fmt.Errorf("parsing SSH private key: %w", err)
	}
	var seed []byte
	switch k := raw.(type) {
	case *ed25519.PrivateKey:
		seed = k.Seed()
	case ed25519.PrivateKey:
		seed = k.Seed()
	default:
		return "", fmt.Errorf("got a %T: %w", raw, ErrNotEd25519)
	}
	return ed25519SeedToIdentity(seed)
}

// ed25519SeedToIdentity is RFC 8032's secret scalar derivation (first half of SHA-512 of
// the seed), left unclamped as ssh-to-age writes it.
func ed25519SeedToIdentity(seed []byte) (string, error) {
	h := sha512.Sum512(seed)
	defer clear(h[:])
	s, err := bech32Encode("AGE-SECRET-KEY-", h[:32])
	if err != nil {
		return "", err
	}
	return strings.ToUpper(s), nil
}

// ErrPassphraseNeeded means an encrypted key was given without a passphrase.
var ErrPassphraseNeeded = errors.New("passphrase needed")
