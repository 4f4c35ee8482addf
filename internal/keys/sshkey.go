package keys

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"
)

// SSH private keys as age identities (agessh), including passphrase-protected ones, which
// are decrypted on first use only, when a stanza is addressed to them: a user with an
// encrypted ~/.ssh/id_ed25519 is not asked for its passphrase to open a file encrypted to
// another key.

// parseSSHIdentity returns the agessh identity of an SSH private key and, for an
// unencrypted ed25519 key, also its ssh-to-age X25519 identity: sops-nix hosts are usually
// listed in .sops.yaml by `ssh-to-age` of their host key (plain X25519 stanzas), and
// sops-install-secrets decrypts with the converted key, so hush must too. (For an encrypted
// key the converted identity is left out: X25519 stanzas do not say whom they are for, so
// every file would ask for the passphrase.)
func parseSSHIdentity(pemBytes []byte, source string, prompt func(string) ([]byte, error)) ([]loadedIdentity, error) {
	raw, err := ssh.ParseRawPrivateKey(pemBytes)
	if err != nil {
		var missing *ssh.PassphraseMissingError
		if !errors.As(err, &missing) {
			return nil, fmt.Errorf("%s: not a usable SSH private key: %w", source, err)
		}
		pub := missing.PublicKey
		if pub == nil {
			// Old PEM-format keys do not carry their public key unencrypted: use the .pub file.
			pub, err = readSSHPublicFile(source + ".pub")
			if err != nil {
				return nil, fmt.Errorf("%s: passphrase-protected key without its public key: %w", source, err)
			}
		}
		id, err := newLazySSHIdentity(pub, pemBytes, source, orTTY(prompt))
		if err != nil {
			return nil, err
		}
		return []loadedIdentity{sshLoaded(id, pub, source)}, nil
	}
	id, pub, err := sshIdentityFromRaw(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	out := []loadedIdentity{sshLoaded(id, pub, source)}
	if conv, ok := convertedIdentity(raw, source); ok {
		out = append(out, conv)
	}
	return out, nil
}

// convertedIdentity is the ssh-to-age X25519 identity of an ed25519 key.
func convertedIdentity(raw any, source string) (loadedIdentity, bool) {
	var seed []byte
	switch k := raw.(type) {
	case *ed25519.PrivateKey:
		seed = k.Seed()
	case ed25519.PrivateKey:
		seed = k.Seed()
	default:
		return loadedIdentity{}, false
	}
	s, err := ed25519SeedToIdentity(seed)
	if err != nil {
		return loadedIdentity{}, false
	}
	x, err := age.ParseX25519Identity(s)
	if err != nil {
		return loadedIdentity{}, false
	}
	r := x.Recipient().String()
	return loadedIdentity{id: x, public: r, recipient: r, source: "ssh-to-age of " + source}, true
}

func sshLoaded(id age.Identity, pub ssh.PublicKey, source string) loadedIdentity {
	authorized := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	return loadedIdentity{
		id:        id,
		public:    pub.Type() + " " + ssh.FingerprintSHA256(pub),
		recipient: authorized,
		source:    source,
	}
}

func sshIdentityFromRaw(raw any) (age.Identity, ssh.PublicKey, error) {
	var id age.Identity
	var err error
	var signerKey crypto.Signer
	switch k := raw.(type) {
	case *ed25519.PrivateKey:
		id, err = agessh.NewEd25519Identity(*k)
		signerKey = *k
	case ed25519.PrivateKey:
		id, err = agessh.NewEd25519Identity(k)
		signerKey = k
	case *rsa.PrivateKey:
		id, err = agessh.NewRSAIdentity(k)
		signerKey = k
	default:
		return nil, nil, fmt.Errorf("SSH key type %T cannot be an age identity (only ed25519 and RSA)", raw)
	}
	if err != nil {
		return nil, nil, err
	}
	signer, err := ssh.NewSignerFromKey(signerKey)
	if err != nil {
		return nil, nil, err
	}
	return id, signer.PublicKey(), nil
}

func readSSHPublicFile(path string) (ssh.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pub, nil
}

// sshStanzaTag is the first argument agessh puts in ssh-ed25519 and ssh-rsa stanzas: the
// first four bytes of SHA-256 of the wire-format public key, unpadded base64.
func sshStanzaTag(pub ssh.PublicKey) string {
	h := sha256.Sum256(pub.Marshal())
	return base64.RawStdEncoding.EncodeToString(h[:4])
}

// lazySSHIdentity is a passphrase-protected SSH key. Unlike agessh.EncryptedSSHIdentity it
// is safe for concurrent use, asks at most once (three tries) and remembers a failure, so
// that a thousand parallel unwraps produce one prompt, not a thousand.
type lazySSHIdentity struct {
	pub    ssh.PublicKey
	tag    string
	pem    []byte
	source string
	prompt func(string) ([]byte, error)

	mu        sync.Mutex
	decrypted atomic.Pointer[age.Identity]
	failed    error
}

func newLazySSHIdentity(pub ssh.PublicKey, pemBytes []byte, source string, prompt func(string) ([]byte, error)) (*lazySSHIdentity, error) {
	switch pub.Type() {
	case ssh.KeyAlgoED25519, ssh.KeyAlgoRSA:
	default:
		return nil, fmt.Errorf("%s: SSH key type %s cannot be an age identity (only ed25519 and RSA)", source, pub.Type())
	}
	// A copy: the caller wipes its buffer after parsing.
	return &lazySSHIdentity{pub: pub, tag: sshStanzaTag(pub), pem: bytes.Clone(pemBytes), source: source, prompt: prompt}, nil
}

func (l *lazySSHIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	if id := l.decrypted.Load(); id != nil {
		return (*id).Unwrap(stanzas)
	}
	match := false
	for _, s := range stanzas {
		if s.Type == l.pub.Type() && len(s.Args) > 0 && s.Args[0] == l.tag {
			match = true
			break
		}
	}
	if !match {
		return nil, age.ErrIncorrectIdentity
	}
	id, err := l.unlock()
	if err != nil {
		return nil, err
	}
	return id.Unwrap(stanzas)
}

func (l *lazySSHIdentity) unlock() (age.Identity, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if id := l.decrypted.Load(); id != nil {
		return *id, nil
	}
	if l.failed != nil {
		return nil, l.failed
	}
	const tries = 3
	for try := 1; ; try++ {
		pass, err := l.prompt(fmt.Sprintf("Enter passphrase for SSH key %q", l.source))
		if err != nil {
			l.failed = fmt.Errorf("%s: %w", l.source, err)
			return nil, l.failed
		}
		raw, err := ssh.ParseRawPrivateKeyWithPassphrase(l.pem, pass)
		clear(pass)
		if errors.Is(err, x509.IncorrectPasswordError) && try < tries {
			continue
		}
		if err != nil {
			if errors.Is(err, x509.IncorrectPasswordError) {
				err = errors.New("wrong passphrase")
			}
			l.failed = fmt.Errorf("%s: decrypting SSH key: %w", l.source, err)
			return nil, l.failed
		}
		id, pub, err := sshIdentityFromRaw(raw)
		if err != nil {
			l.failed = fmt.Errorf("%s: %w", l.source, err)
			return nil, l.failed
		}
		if !strings.EqualFold(ssh.FingerprintSHA256(pub), ssh.FingerprintSHA256(l.pub)) {
			l.failed = fmt.Errorf("%s: the private key does not match its public key", l.source)
			return nil, l.failed
		}
		l.decrypted.Store(&id)
		return id, nil
	}
}

func orTTY(prompt func(string) ([]byte, error)) func(string) ([]byte, error) {
	if prompt != nil {
		return prompt
	}
	return ttyPassphrase
}
