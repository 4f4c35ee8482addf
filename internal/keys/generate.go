package keys

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
)

func generateX25519() (identity, recipient string, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", err
	}
	return id.String(), id.Recipient().String(), nil
}

func pgpPublicKeyFilesFromEnv() []string {
	var out []string
	for _, v := range []string{"HUSH_PGP_PUBLIC_KEY_FILE", "HUSH_PGP_KEY_FILE"} {
		for _, f := range filepath.SplitList(os.Getenv(v)) {
			if f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

// TTYPassphrase asks for a passphrase on /dev/tty without echo; ErrNoTTY when there is
// no terminal. Prompts from concurrent callers are serialised.
func TTYPassphrase(description string) ([]byte, error) { return ttyPassphrase(description) }

// IdentityRecipient returns the recipient of one native age identity (AGE-SECRET-KEY-1...
// or AGE-SECRET-KEY-PQ-1...), as age-keygen -y does. Errors never quote the identity.
func IdentityRecipient(identity string) (string, error) {
	l, err := parseIdentityString(strings.TrimSpace(identity), nil)
	if err != nil {
		return "", err
	}
	if l.recipient == "" {
		return "", errors.New("plugin identities have no fixed recipient")
	}
	return l.recipient, nil
}
