package keys

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// OpenPGP for sops "pgp" master keys. sops writes the data key as an armored "PGP MESSAGE"
// (go-crypto's openpgp.Encrypt with binary file hints, or `gpg --encrypt -a`) and reads it
// with go-crypto from a legacy secring, else `gpg -d`. hush does the same two things: key
// files through go-crypto, and the gpg binary for GnuPG 2 homes, whose secret keys live in
// the agent in a format go-crypto cannot read.

// pgpMu guards the key-file entities: decrypting a passphrase-protected private key
// mutates it. pgp is rare (a few blobs per file), so one lock costs nothing.
var pgpMu sync.Mutex

// normalizeFingerprint makes "ab12 CD34..." and "AB12CD34...!" comparable.
func normalizeFingerprint(fp string) string {
	fp = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(fp), " ", ""))
	fp = strings.TrimPrefix(fp, "0X")
	return strings.TrimSuffix(fp, "!")
}

func entityFingerprint(e *openpgp.Entity) string {
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}

// entityMatches reports whether fp names e's primary key or one of its subkeys, by full
// fingerprint or by (long) key ID suffix.
func entityMatches(e *openpgp.Entity, fp string) bool {
	fp = normalizeFingerprint(fp)
	if fp == "" {
		return false
	}
	match := func(k *packet.PublicKey) bool {
		full := strings.ToUpper(hex.EncodeToString(k.Fingerprint))
		return full == fp || (len(fp) >= 16 && strings.HasSuffix(full, fp))
	}
	if match(e.PrimaryKey) {
		return true
	}
	for _, sk := range e.Subkeys {
		if match(sk.PublicKey) {
			return true
		}
	}
	return false
}

// readPGPKeyFile reads an armored (or binary) OpenPGP key file.
func readPGPKeyFile(path string) (openpgp.EntityList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parsePGPKeys(data)
}

func parsePGPKeys(data []byte) (openpgp.EntityList, error) {
	var list openpgp.EntityList
	var err error
	if bytes.Contains(data, []byte("-----BEGIN PGP")) {
		list, err = openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
	} else {
		list, err = openpgp.ReadKeyRing(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("not an OpenPGP key: %w", err)
	}
	if len(list) == 0 {
		return nil, errors.New("no OpenPGP key found")
	}
	return list, nil
}

func (s *setState) unwrapPGP(fp string, enc []byte) ([]byte, error) {
	var tried []string
	if len(s.pgp) > 0 {
		out, err := s.unwrapPGPKeyFiles(enc)
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, ErrNoIdentity) {
			return nil, err
		}
		tried = append(tried, fmt.Sprintf("%d key file(s)", len(s.pgp)))
	}
	if s.gpg != nil {
		out, err := s.gpg.decrypt(enc)
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, ErrNoIdentity) {
			return nil, fmt.Errorf("pgp %s: %w", fp, err)
		}
		tried = append(tried, "gpg: "+err.Error())
	}
	if len(tried) == 0 {
		return nil, fmt.Errorf("pgp %s: %w: no OpenPGP key file or GnuPG home configured (set HUSH_PGP_KEY_FILE or GNUPGHOME)", fp, ErrNoIdentity)
	}
	return nil, fmt.Errorf("pgp %s: %w (tried %s)", fp, ErrNoIdentity, strings.Join(tried, "; "))
}

func (s *setState) unwrapPGPKeyFiles(enc []byte) ([]byte, error) {
	block, err := armor.Decode(bytes.NewReader(bytes.TrimSpace(enc)))
	if err != nil {
		return nil, fmt.Errorf("pgp: not an armored OpenPGP message: %w", err)
	}
	ring := make(openpgp.EntityList, 0, len(s.pgp))
	for _, k := range s.pgp {
		ring = append(ring, k.entity)
	}
	pgpMu.Lock()
	defer pgpMu.Unlock()
	md, err := openpgp.ReadMessage(block.Body, ring, s.pgpPromptFunction(), nil)
	if err != nil {
		if errors.Is(err, pgperrors.ErrKeyIncorrect) {
			return nil, ErrNoIdentity
		}
		return nil, fmt.Errorf("pgp: %w", err)
	}
	out, err := io.ReadAll(md.UnverifiedBody)
	if err != nil {
		clear(out)
		return nil, fmt.Errorf("pgp: reading message: %w", err)
	}
	return out, nil
}

// pgpPromptFunction unlocks passphrase-protected key-file keys, at most three tries per call.
func (s *setState) pgpPromptFunction() openpgp.PromptFunction {
	calls := 0
	return func(keys []openpgp.Key, symmetric bool) ([]byte, error) {
		calls++
		if len(keys) == 0 {
			return nil, pgperrors.ErrKeyIncorrect
		}
		if calls > 3 {
			return nil, errors.New("wrong passphrase for the OpenPGP key (3 tries)")
		}
		for _, k := range keys {
			if k.PrivateKey == nil || !k.PrivateKey.Encrypted {
				continue
			}
			pass, err := s.pgpPrompt(fmt.Sprintf("Enter passphrase for OpenPGP key %X", k.PublicKey.Fingerprint))
			if err != nil {
				return nil, err
			}
			err = k.PrivateKey.Decrypt(pass)
			clear(pass)
			if err != nil {
				continue
			}
		}
		return nil, nil
	}
}

// PGPWrapOptions says where WrapPGPWith finds the public key.
type PGPWrapOptions struct {
	// PublicKeyFiles are armored (or binary) OpenPGP key files to search first.
	PublicKeyFiles []string
	// GnuPGHome is the gpg home for `gpg --export` ("" : gpg's default, $GNUPGHOME).
	GnuPGHome string
}

// WrapPGPWith encrypts data to the OpenPGP key fp, armored, exactly as sops does through
// go-crypto (so sops, gpg and hush can all decrypt it).
// When go-crypto cannot use the key that gpg exported (a key type or packet version it does
// not know), it falls back to `gpg --encrypt -a`, as sops does.
func WrapPGPWith(data []byte, fp string, opts PGPWrapOptions) (string, error) {
	entity, fromGPG, err := findPGPPublicKey(fp, opts)
	if err != nil {
		return "", fmt.Errorf("pgp %s: %w", fp, err)
	}
	out, err := encryptPGP(data, entity)
	if err != nil && fromGPG {
		g := newGPGHome(opts.GnuPGHome, os.Getenv)
		if enc, gerr := g.encrypt(data, fp); gerr == nil {
			return enc, nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("pgp %s: %w", fp, err)
	}
	return out, nil
}

func encryptPGP(data []byte, entity *openpgp.Entity) (string, error) {
	var buf bytes.Buffer
	aw, err := armor.Encode(&buf, "PGP MESSAGE", nil)
	if err != nil {
		return "", err
	}
	pw, err := openpgp.Encrypt(aw, []*openpgp.Entity{entity}, nil, &openpgp.FileHints{IsBinary: true}, nil)
	if err != nil {
		return "", fmt.Errorf("encrypting: %w", err)
	}
	if _, err := pw.Write(data); err != nil {
		return "", fmt.Errorf("encrypting: %w", err)
	}
	if err := pw.Close(); err != nil {
		return "", fmt.Errorf("encrypting: %w", err)
	}
	if err := aw.Close(); err != nil {
		return "", fmt.Errorf("armoring: %w", err)
	}
	return buf.String(), nil
}

// findPGPPublicKey looks in the key files, then asks gpg; fromGPG says which.
func findPGPPublicKey(fp string, opts PGPWrapOptions) (entity *openpgp.Entity, fromGPG bool, err error) {
	var problems []string
	for _, f := range opts.PublicKeyFiles {
		list, err := readPGPKeyFile(f)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", f, err)
		}
		for _, e := range list {
			if entityMatches(e, fp) {
				return e, false, nil
			}
		}
		problems = append(problems, "not in "+f)
	}
	g := newGPGHome(opts.GnuPGHome, os.Getenv)
	exported, err := g.export(fp)
	if err != nil {
		problems = append(problems, err.Error())
		return nil, false, fmt.Errorf("public key not found (%s)", strings.Join(problems, "; "))
	}
	list, err := parsePGPKeys(exported)
	if err != nil {
		return nil, false, fmt.Errorf("gpg --export: %w", err)
	}
	for _, e := range list {
		if entityMatches(e, fp) {
			return e, true, nil
		}
	}
	return nil, false, fmt.Errorf("public key not found (gpg --export returned other keys)")
}
