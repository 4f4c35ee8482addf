package keys

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// The gpg binary, run as sops runs it: a GnuPG 2 home keeps secret keys inside gpg-agent, so
// decrypting means asking gpg. $SOPS_GPG_EXEC names another binary, as in sops.

type gpgHome struct {
	home string // "" : gpg's own default ($GNUPGHOME, ~/.gnupg)
	bin  string
}

func newGPGHome(home string, getenv func(string) string) *gpgHome {
	bin := getenv("SOPS_GPG_EXEC")
	if bin == "" {
		bin = "gpg"
	}
	return &gpgHome{home: home, bin: bin}
}

func (g *gpgHome) describe() string {
	if g.home == "" {
		return "(gpg default home)"
	}
	return g.home
}

func (g *gpgHome) run(stdin []byte, args ...string) (stdout []byte, stderr string, err error) {
	full := make([]string, 0, len(args)+4)
	if g.home != "" {
		full = append(full, "--homedir", g.home)
	}
	full = append(full, "--batch", "--quiet")
	full = append(full, args...)
	cmd := exec.Command(g.bin, full...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	err = cmd.Run()
	return out.Bytes(), strings.TrimSpace(errb.String()), err
}

// decrypt runs gpg --decrypt. A missing binary or a "no secret key" answer is ErrNoIdentity;
// other failures carry gpg's own message (which never holds the plaintext).
func (g *gpgHome) decrypt(enc []byte) ([]byte, error) {
	out, stderr, err := g.run(enc, "--decrypt")
	if err != nil {
		clear(out)
		var execErr *exec.Error
		if errors.As(err, &execErr) {
			return nil, fmt.Errorf("%w: %s not found", ErrNoIdentity, g.bin)
		}
		if strings.Contains(stderr, "No secret key") || strings.Contains(stderr, "no secret key") {
			return nil, fmt.Errorf("%w: no secret key in GnuPG home %s", ErrNoIdentity, g.describe())
		}
		return nil, fmt.Errorf("gpg --decrypt (home %s): %v: %s", g.describe(), err, lastLines(stderr, 3))
	}
	if len(out) == 0 {
		// What old gpg versions do with packets they do not understand (sops notes the same).
		return nil, errors.New("gpg --decrypt returned no data")
	}
	return out, nil
}

func (g *gpgHome) export(fp string) ([]byte, error) {
	out, stderr, err := g.run(nil, "--export", normalizeFingerprint(fp))
	if err != nil {
		var execErr *exec.Error
		if errors.As(err, &execErr) {
			return nil, fmt.Errorf("%s not found", g.bin)
		}
		return nil, fmt.Errorf("gpg --export (home %s): %v: %s", g.describe(), err, lastLines(stderr, 3))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("not in the GnuPG keyring %s", g.describe())
	}
	return out, nil
}

// encrypt runs gpg --encrypt -a to fp, with the arguments sops uses (the key is trusted for
// this run only, no default or extra recipients).
func (g *gpgHome) encrypt(data []byte, fp string) (string, error) {
	fp = normalizeFingerprint(fp)
	short := fp
	if len(short) > 16 {
		short = short[len(short)-16:]
	}
	out, stderr, err := g.run(data, "--no-default-recipient", "--yes", "--encrypt", "-a", "-r", fp, "--trusted-key", short, "--no-encrypt-to")
	if err != nil {
		return "", fmt.Errorf("gpg --encrypt (home %s): %v: %s", g.describe(), err, lastLines(stderr, 3))
	}
	return string(bytes.TrimSpace(out)) + "\n", nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

// defaultGnuPGHome is where gpg looks when neither an option nor $GNUPGHOME says.
func defaultGnuPGHome(getenv func(string) string) string {
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".gnupg")
	}
	return ""
}
