package keys

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// Parsing of identity files: age's text format (one identity per line, '#' comments, as
// age-keygen writes and sops reads) or an SSH private key (PEM).

// loadedIdentity is one parsed age identity with what may be said about it in errors.
type loadedIdentity struct {
	id age.Identity
	// public is the recipient (age1..., ssh-ed25519 AAAA...) or, for plugins, a label;
	// never secret material.
	public string
	source string
	// recipient is the encryptable form of public, "" when unknown (plugins).
	recipient string
	plugin    bool
}

func (l loadedIdentity) describe() string {
	return fmt.Sprintf("%s (from %s)", l.public, l.source)
}

// ParseIdentities parses an identity file's content: age identities, one per line (with
// multiPerLine, also several per line separated by spaces, as SOPS_AGE_KEY allows), or one SSH
// private key (an ed25519 key also yields its ssh-to-age X25519 identity). source names the
// origin in errors. A passphrase-protected SSH key asks on the terminal when first needed.
// Errors never quote the file's content.
func ParseIdentities(data []byte, source string, multiPerLine bool) ([]age.Identity, error) {
	ids, err := parseIdentityData(data, source, multiPerLine, nil)
	if err != nil {
		return nil, err
	}
	out := make([]age.Identity, len(ids))
	for i, l := range ids {
		out[i] = l.id
	}
	return out, nil
}

// parseIdentityData is ParseIdentities with a passphrase prompt (nil: encrypted keys fail).
func parseIdentityData(data []byte, source string, multiPerLine bool, prompt func(string) ([]byte, error)) ([]loadedIdentity, error) {
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) && bytes.Contains(trimmed[:min(len(trimmed), 80)], []byte("PRIVATE KEY")) {
		return parseSSHIdentity(data, source, prompt)
	}
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN AGE ENCRYPTED FILE-----")) || bytes.HasPrefix(trimmed, []byte("age-encryption.org/")) {
		return parseEncryptedIdentityFile(data, source, prompt)
	}
	ui := pluginUI(orTTY(prompt))
	var out []loadedIdentity
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		words := []string{line}
		if multiPerLine {
			words = strings.Fields(line)
		}
		for _, w := range words {
			l, err := parseIdentityString(w, ui)
			if err != nil {
				return nil, fmt.Errorf("%s: line %d: %w", source, lineNo, err)
			}
			l.source = source
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", source, lineNo+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no identities found (expected AGE-SECRET-KEY-1..., AGE-PLUGIN-... lines or an SSH private key)", source)
	}
	return out, nil
}

// parseIdentityString parses one identity. Its errors must not include s: it is a secret.
func parseIdentityString(s string, ui *plugin.ClientUI) (loadedIdentity, error) {
	switch {
	case strings.HasPrefix(s, "AGE-PLUGIN-"):
		id, err := plugin.NewIdentity(s, ui)
		if err != nil {
			return loadedIdentity{}, fmt.Errorf("malformed age plugin identity")
		}
		return loadedIdentity{id: id, public: "age plugin identity for age-plugin-" + id.Name(), plugin: true}, nil
	case strings.HasPrefix(s, "AGE-SECRET-KEY-PQ-1"):
		id, err := age.ParseHybridIdentity(s)
		if err != nil {
			return loadedIdentity{}, fmt.Errorf("malformed age post-quantum secret key")
		}
		r := id.Recipient().String()
		return loadedIdentity{id: id, public: r, recipient: r}, nil
	case strings.HasPrefix(s, "AGE-SECRET-KEY-1"):
		id, err := age.ParseX25519Identity(s)
		if err != nil {
			return loadedIdentity{}, fmt.Errorf("malformed age secret key (bad encoding or checksum)")
		}
		r := id.Recipient().String()
		return loadedIdentity{id: id, public: r, recipient: r}, nil
	case strings.HasPrefix(s, "age1"):
		return loadedIdentity{}, fmt.Errorf("this is an age recipient (public key), not an identity")
	default:
		return loadedIdentity{}, fmt.Errorf("not an age identity (expected AGE-SECRET-KEY-1... or AGE-PLUGIN-...)")
	}
}

// parseEncryptedIdentityFile decrypts a passphrase-protected identity file (age -p, as the
// age CLI and sops accept) and parses what is inside.
func parseEncryptedIdentityFile(data []byte, source string, prompt func(string) ([]byte, error)) ([]loadedIdentity, error) {
	if prompt == nil {
		return nil, fmt.Errorf("%s: passphrase-protected identity file: %w", source, ErrPassphraseNeeded)
	}
	pass, err := prompt(fmt.Sprintf("Enter passphrase for identity file %q", source))
	if err != nil {
		return nil, err
	}
	sid, err := age.NewScryptIdentity(string(pass))
	clear(pass)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	plain, err := decryptBlob(data, sid)
	if err != nil {
		return nil, fmt.Errorf("%s: decrypting identity file: %w", source, err)
	}
	defer clear(plain)
	return parseIdentityData(plain, source, false, nil)
}
