package keys

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/testenv"
)

// gpgFixture is a throwaway GnuPG home with one key without passphrase.
type gpgFixture struct {
	gpg, home, fp string
	secretFile    string // armored secret key export
	publicFile    string // armored public key export
}

func newGPGFixture(t *testing.T) *gpgFixture {
	t.Helper()
	g := &gpgFixture{gpg: testenv.Tool(t, "", "gpg")}
	// Short path: gpg-agent's socket lives in the home when /run/user/<uid> is absent.
	home, err := os.MkdirTemp("", "hushgpg")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(home, 0o700)
	g.home = home
	t.Cleanup(func() {
		exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run()
		os.RemoveAll(home)
	})
	g.run(t, nil, "--passphrase", "", "--quick-gen-key", "hush test <test@hush.invalid>", "default", "default", "never")
	for _, line := range strings.Split(string(g.run(t, nil, "--list-secret-keys", "--with-colons")), "\n") {
		if f := strings.Split(line, ":"); len(f) > 9 && f[0] == "fpr" {
			g.fp = f[9]
			break
		}
	}
	if len(g.fp) != 40 {
		t.Fatalf("no fingerprint from gpg: %q", g.fp)
	}
	dir := t.TempDir()
	g.secretFile = filepath.Join(dir, "secret.asc")
	os.WriteFile(g.secretFile, g.run(t, nil, "--pinentry-mode", "loopback", "--passphrase", "", "--export-secret-keys", "-a", g.fp), 0o600)
	g.publicFile = filepath.Join(dir, "public.asc")
	os.WriteFile(g.publicFile, g.run(t, nil, "--export", "-a", g.fp), 0o644)
	return g
}

func (g *gpgFixture) run(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(g.gpg, append([]string{"--homedir", g.home, "--batch", "--quiet"}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("gpg %s: %v: %s", args[len(args)-1], err, errb.String())
	}
	return out.Bytes()
}

func TestPGPWithGnuPG(t *testing.T) {
	g := newGPGFixture(t)

	// hush (gpg --export + go-crypto) -> gpg --decrypt, both by gpg itself and through a Set.
	enc, err := WrapPGP(dataKey(), g.fp, g.home)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "-----BEGIN PGP MESSAGE-----") {
		t.Fatalf("not armored:\n%s", enc)
	}
	if got := g.run(t, []byte(enc), "--decrypt"); !bytes.Equal(got, dataKey()) {
		t.Fatal("gpg --decrypt of hush's message: wrong data key")
	}
	viaGPG, err := Load(LoadOptions{GnuPGHome: g.home, Getenv: noEnv, NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := viaGPG.UnwrapPGP(g.fp, []byte(enc)); err != nil || !bytes.Equal(got, dataKey()) {
		t.Fatalf("UnwrapPGP via gpg: %v", err)
	}
	// GNUPGHOME from the environment works the same.
	viaEnv, _ := Load(LoadOptions{Getenv: envOf(map[string]string{"GNUPGHOME": g.home}), NoDefaults: true})
	if got, err := viaEnv.UnwrapPGP(g.fp, []byte(enc)); err != nil || !bytes.Equal(got, dataKey()) {
		t.Fatalf("UnwrapPGP via $GNUPGHOME: %v", err)
	}

	// gpg --encrypt -a (what sops runs when go-crypto has no keyring) -> hush, via an armored
	// key file (no gpg involved) and via HUSH_PGP_KEY_FILE.
	gpgEnc := g.run(t, dataKey(), "--trust-model", "always", "--encrypt", "-a", "-r", g.fp)
	viaFile, err := Load(LoadOptions{PGPKeyFiles: []string{g.secretFile}, Getenv: noEnv, NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := viaFile.UnwrapPGP(g.fp, gpgEnc); err != nil || !bytes.Equal(got, dataKey()) {
		t.Fatalf("UnwrapPGP via key file: %v", err)
	}
	viaFileEnv, err := Load(LoadOptions{Getenv: envOf(map[string]string{"HUSH_PGP_KEY_FILE": g.secretFile}), NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := viaFileEnv.Describe(); len(d) != 1 || !strings.Contains(d[0], g.fp) {
		t.Fatalf("Describe = %q", d)
	}
	if got, err := viaFileEnv.UnwrapPGP(g.fp, gpgEnc); err != nil || !bytes.Equal(got, dataKey()) {
		t.Fatalf("UnwrapPGP via $HUSH_PGP_KEY_FILE: %v", err)
	}

	// WrapPGPWith from a public key file, no gpg home.
	enc2, err := WrapPGPWith(dataKey(), strings.ToLower(g.fp), PGPWrapOptions{PublicKeyFiles: []string{g.publicFile}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := viaFile.UnwrapPGP(g.fp, []byte(enc2)); err != nil || !bytes.Equal(got, dataKey()) {
		t.Fatalf("round trip via files: %v", err)
	}

	// The gpg --encrypt fallback (used when go-crypto cannot use an exported key).
	enc3, err := newGPGHome(g.home, noEnv).encrypt(dataKey(), g.fp)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := viaFile.UnwrapPGP(g.fp, []byte(enc3)); err != nil || !bytes.Equal(got, dataKey()) {
		t.Fatalf("gpg --encrypt fallback: %v", err)
	}

	// No key anywhere: ErrNoIdentity. A home without the key: ErrNoIdentity too.
	none, _ := Load(LoadOptions{Getenv: noEnv, NoDefaults: true})
	if _, err := none.UnwrapPGP(g.fp, []byte(enc)); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("no key: %v", err)
	}
	other := newGPGFixture(t)
	wrong, _ := Load(LoadOptions{GnuPGHome: other.home, PGPKeyFiles: []string{other.secretFile}, Getenv: noEnv, NoDefaults: true})
	if _, err := wrong.UnwrapPGP(g.fp, []byte(enc)); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := WrapPGP(dataKey(), "0123456789ABCDEF0123456789ABCDEF01234567", g.home); err == nil {
		t.Fatal("WrapPGP to an unknown key succeeded")
	}
	if _, err := Load(LoadOptions{PGPKeyFiles: []string{g.publicFile}, Getenv: noEnv, NoDefaults: true}); err == nil || !strings.Contains(err.Error(), "no private key") {
		t.Fatalf("public-only key file: %v", err)
	}
}
