package install

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
	"golang.org/x/crypto/ssh"
)

// What --check can prove about a whole-file age source without a key. An age header lists
// one stanza per recipient. An X25519 stanza holds only an ephemeral share: it does not
// name its recipient, so a file with one can never be shown not to be for this host. An
// ssh-ed25519 or ssh-rsa stanza carries a tag, the first 4 bytes of SHA-256 of the SSH
// public key in wire format: it names its key (up to a 1 in 2^32 collision). So a file
// whose stanzas are all SSH stanzas, none tagged with one of the host's SSH keys, is
// certainly not decryptable by this host; any other file passes this part of the check.

// errCollectedStanzas stops age.Decrypt once the stanzas are recorded.
var errCollectedStanzas = errors.New("stanzas collected")

type stanzaRecorder struct{ stanzas []*age.Stanza }

func (r *stanzaRecorder) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	r.stanzas = stanzas
	return nil, errCollectedStanzas
}

// ageStanzas parses an age file's header (binary or armored) without any key.
func ageStanzas(data []byte) ([]*age.Stanza, error) {
	var src io.Reader = bytes.NewReader(data)
	if !bytes.HasPrefix(data, []byte("age-encryption.org/")) {
		src = armor.NewReader(bytes.NewReader(bytes.TrimLeft(data, " \t\r\n")))
	}
	rec := &stanzaRecorder{}
	if _, err := age.Decrypt(src, rec); !errors.Is(err, errCollectedStanzas) {
		if err == nil {
			err = errors.New("no recipient stanza")
		}
		return nil, err
	}
	return rec.stanzas, nil
}

// sshKeyTag is the tag age's ssh-ed25519 and ssh-rsa stanzas carry for a public key.
func sshKeyTag(pub ssh.PublicKey) string {
	h := sha256.Sum256(pub.Marshal())
	return base64.RawStdEncoding.EncodeToString(h[:4])
}

// hostSSHTags maps "type tag" to the host recipient (an authorized_keys line) it stands for.
func hostSSHTags(recipients []string) map[string]string {
	tags := map[string]string{}
	for _, r := range recipients {
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(r))
		if err != nil {
			continue
		}
		switch pub.Type() {
		case ssh.KeyAlgoED25519, ssh.KeyAlgoRSA:
			tags[pub.Type()+" "+sshKeyTag(pub)] = r
		}
	}
	return tags
}

// checkAgeRecipients returns an error naming file when its header proves it is not
// encrypted to any of the host's recipients (see above); nil when it is, or when the
// header cannot tell.
func checkAgeRecipients(file string, data []byte, hostRecipients []string) error {
	stanzas, err := ageStanzas(data)
	if err != nil {
		return fmt.Errorf("%s: unreadable age header: %w", file, err)
	}
	tags := hostSSHTags(hostRecipients)
	var seen []string
	for _, s := range stanzas {
		switch {
		case (s.Type == "ssh-ed25519" || s.Type == "ssh-rsa") && len(s.Args) >= 1:
			if _, ok := tags[s.Type+" "+s.Args[0]]; ok {
				return nil
			}
			seen = append(seen, s.Type+" (key tag "+s.Args[0]+")")
		default:
			// X25519, scrypt, plugin stanzas: the recipient is not named; cannot tell.
			return nil
		}
	}
	sort.Strings(seen)
	return fmt.Errorf("%s is not encrypted to this host: its age recipients are %s, none of them a host SSH key", file, strings.Join(seen, ", "))
}
