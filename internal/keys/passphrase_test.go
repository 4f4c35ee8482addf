package keys

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/ProtonMail/go-crypto/openpgp"
	pgparmor "github.com/ProtonMail/go-crypto/openpgp/armor"
)

// Passphrase-protected key material other than SSH keys: age identity files encrypted with
// a passphrase (age -p, accepted by age and sops) and OpenPGP key files.

func TestPassphraseProtectedIdentityFile(t *testing.T) {
	id, r := mustKey(t)
	sr, err := age.NewScryptRecipient("identity passphrase")
	if err != nil {
		t.Fatal(err)
	}
	sr.SetWorkFactor(10) // fast test; real files use age's default
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, _ := age.Encrypt(aw, sr)
	w.Write([]byte("# created: now\n" + id + "\n"))
	w.Close()
	aw.Close()
	f := writeFile(t, t.TempDir(), "keys.age", buf.String(), 0o600)

	var asked atomic.Int32
	set, err := Load(LoadOptions{Files: []string{f}, Getenv: noEnv, NoDefaults: true, Prompt: countingPrompt("identity passphrase", &asked)})
	if err != nil {
		t.Fatal(err)
	}
	if asked.Load() != 1 {
		t.Fatalf("asked %d times", asked.Load())
	}
	enc, _ := WrapAge(dataKey(), r)
	if k, err := set.UnwrapAge([]byte(enc)); err != nil || !bytes.Equal(k, dataKey()) {
		t.Fatalf("unwrap: %v", err)
	}
	if d := set.Describe(); len(d) != 1 || d[0] != r+" (from "+f+")" {
		t.Fatalf("Describe = %q", d)
	}
	if _, err := Load(LoadOptions{Files: []string{f}, Getenv: noEnv, NoDefaults: true, Prompt: countingPrompt("wrong", &asked)}); err == nil || !strings.Contains(err.Error(), f) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := ParseIdentities(buf.Bytes(), "x", false); !errors.Is(err, ErrPassphraseNeeded) {
		t.Fatalf("ParseIdentities without a prompt: %v", err)
	}
}

func TestPassphraseProtectedPGPKeyFile(t *testing.T) {
	e, err := openpgp.NewEntity("hush test", "", "test@hush.invalid", nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pubFile := filepath.Join(dir, "pub.asc")
	var pub bytes.Buffer
	pw, _ := pgparmor.Encode(&pub, openpgp.PublicKeyType, nil)
	if err := e.Serialize(pw); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	os.WriteFile(pubFile, pub.Bytes(), 0o644)
	if err := e.EncryptPrivateKeys([]byte("pgp passphrase"), nil); err != nil {
		t.Fatal(err)
	}
	var sec bytes.Buffer
	sw, _ := pgparmor.Encode(&sec, openpgp.PrivateKeyType, nil)
	if err := e.SerializePrivateWithoutSigning(sw, nil); err != nil {
		t.Fatal(err)
	}
	sw.Close()
	secFile := writeFile(t, dir, "sec.asc", sec.String(), 0o600)
	fp := entityFingerprint(e)

	enc, err := WrapPGPWith(dataKey(), fp, PGPWrapOptions{PublicKeyFiles: []string{pubFile}})
	if err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int32
	set, err := Load(LoadOptions{PGPKeyFiles: []string{secFile}, Getenv: noEnv, NoDefaults: true, Prompt: countingPrompt("pgp passphrase", &asked)})
	if err != nil {
		t.Fatal(err)
	}
	if asked.Load() != 0 {
		t.Fatal("prompted at load time")
	}
	if k, err := set.UnwrapPGP(fp, []byte(enc)); err != nil || !bytes.Equal(k, dataKey()) {
		t.Fatalf("unwrap: %v", err)
	}
	if asked.Load() != 1 {
		t.Fatalf("asked %d times", asked.Load())
	}
	// Unlocked now: the next message needs no passphrase.
	if _, err := set.UnwrapPGP(fp, []byte(enc)); err != nil || asked.Load() != 1 {
		t.Fatalf("second unwrap: %v, asked %d", err, asked.Load())
	}

	wrong, _ := Load(LoadOptions{PGPKeyFiles: []string{secFile}, Getenv: noEnv, NoDefaults: true, Prompt: countingPrompt("nope", &asked)})
	if _, err := wrong.UnwrapPGP(fp, []byte(enc)); err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Fatalf("wrong passphrase: %v", err)
	}
}
