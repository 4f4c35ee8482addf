package keys

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"filippo.io/age/plugin"
)

// Recipients: what a data key can be encrypted to. The accepted forms are sops' own
// (age/keysource.go parseRecipient), so a .sops.yaml that works with sops works here.

// parseRecipient parses one recipient. Recipients are public: errors may quote them.
func parseRecipient(s string) (age.Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, errors.New("empty recipient")
	case strings.HasPrefix(s, "age1pq1"):
		r, err := age.ParseHybridRecipient(s)
		if err != nil {
			return nil, fmt.Errorf("malformed age post-quantum recipient %q", s)
		}
		return r, nil
	case strings.HasPrefix(s, "age1") && strings.Count(s, "1") > 1:
		// bech32 data never contains '1', so a second one means age1<plugin>1...
		r, err := plugin.NewRecipient(s, pluginUI(ttyPassphrase))
		if err != nil {
			return nil, fmt.Errorf("malformed age plugin recipient %q: %w", s, err)
		}
		return r, nil
	case strings.HasPrefix(s, "age1"):
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return nil, fmt.Errorf("malformed age recipient %q (bad encoding or checksum)", s)
		}
		return r, nil
	case strings.HasPrefix(s, "ssh-"):
		r, err := agessh.ParseRecipient(s)
		if err != nil {
			return nil, fmt.Errorf("SSH recipient %q: %w", shorten(s), err)
		}
		return r, nil
	case strings.HasPrefix(s, "AGE-"):
		return nil, errors.New("this is an age identity (secret key), not a recipient: never put it in .sops.yaml or on a command line")
	}
	return nil, fmt.Errorf("unknown recipient type %q (expected age1..., age1<plugin>1..., ssh-ed25519 ... or ssh-rsa ...)", shorten(s))
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

func wrapAge(data []byte, recipients []string) (string, error) {
	if len(recipients) == 0 {
		return "", errors.New("age: no recipients")
	}
	rs := make([]age.Recipient, 0, len(recipients))
	for _, s := range recipients {
		r, err := parseRecipient(s)
		if err != nil {
			return "", err
		}
		rs = append(rs, r)
	}
	var buf bytes.Buffer
	buf.Grow(512)
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, rs...)
	if err != nil {
		return "", fmt.Errorf("age: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return "", fmt.Errorf("age: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("age: %w", err)
	}
	if err := aw.Close(); err != nil {
		return "", fmt.Errorf("age: armor: %w", err)
	}
	return buf.String(), nil
}
