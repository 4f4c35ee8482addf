package sopsfile

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/testenv"
)

// newGnuPGHome makes a throwaway GnuPG home with one passphrase-less key (ed25519 signing,
// cv25519 encryption) and returns the home and the key's fingerprint.
func newGnuPGHome(t *testing.T) (string, string) {
	t.Helper()
	gpg := testenv.Tool(t, "", "gpg")
	home, err := os.MkdirTemp("", "hushgpg")
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(gpg, append([]string{"--homedir", home, "--batch"}, args...)...)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gpg %v: %v: %.300s", args[0], err, errb.String())
		}
		return out
	}
	t.Cleanup(func() {
		if gc, err := exec.LookPath("gpgconf"); err == nil {
			c := exec.Command(gc, "--kill", "gpg-agent")
			c.Env = append(os.Environ(), "GNUPGHOME="+home)
			_ = c.Run()
		}
		os.RemoveAll(home)
	})
	run("--passphrase", "", "--quick-gen-key", "hush test <test@example.invalid>", "future-default", "default", "never")
	for _, l := range strings.Split(string(run("--with-colons", "--list-keys")), "\n") {
		if strings.HasPrefix(l, "fpr:") {
			f := strings.Split(l, ":")
			return home, f[9]
		}
	}
	t.Fatal("no fingerprint")
	return "", ""
}

// TestInteropPGP: files sops encrypts for a pgp key decrypt with hush through the GnuPG home,
// and hush's pgp files decrypt with sops; metadata (created_at, enc, fp) survives unchanged.
func TestInteropPGP(t *testing.T) {
	e := newInteropEnv(t, 1)
	home, fp := newGnuPGHome(t)
	e.extraEnv = []string{"GNUPGHOME=" + home}
	plain := []byte("a: secret\nb: [1, 2]\n")
	enc := e.SopsEncrypt(t, YAML, plain, "pgp: "+fp+"\n")
	want := e.SopsDecrypt(t, YAML, enc)
	ids, err := keys.Load(keys.LoadOptions{GnuPGHome: home, NoDefaults: true, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Decrypt("p.yaml", enc, YAML, ids)
	if err != nil {
		t.Fatalf("hush decrypt of sops' pgp file: %v", err)
	}
	got, _ := f.Plaintext(YAML)
	requireSame(t, "pgp file", got, want)
	again, err := f.Encrypt()
	if err != nil {
		t.Fatal(err)
	}
	requireSame(t, "unchanged re-encryption of a pgp file", again, enc)

	docs, _ := ParsePlain(plain, YAML)
	nf, err := New("p.yaml", YAML, docs, Recipients{Groups: []KeyGroupRecipients{{PGP: []string{fp}}}, GnuPGHome: home}, EncryptionRules{})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := nf.Encrypt()
	if err != nil {
		t.Fatal(err)
	}
	requireSame(t, "sops decrypt of hush's pgp file", e.SopsDecrypt(t, YAML, mine), want)
}
