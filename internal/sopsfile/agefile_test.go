package sopsfile

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/testenv"
)

func TestIsAgeFile(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"age-encryption.org/v1\n-> X25519 abc\n", true},
		{"\n  -----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n", true},
		{"age-encryption.org/v1", false},
		{"a: 1\n", false},
		{"", false},
		{`{"data": "x"}`, false},
	} {
		if got := IsAgeFile([]byte(c.in)); got != c.want {
			t.Errorf("IsAgeFile(%q) = %v", c.in, got)
		}
	}
}

type ageFixture struct {
	dir, keyFile, recipient string
	ids                     *keys.Set
}

func newAgeFixture(t *testing.T) *ageFixture {
	t.Helper()
	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	kf := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(kf, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return &ageFixture{dir: dir, keyFile: kf, recipient: id.Recipient().String(), ids: loadIDs(t, kf)}
}

func loadIDs(t *testing.T, files ...string) *keys.Set {
	t.Helper()
	s, err := keys.Load(keys.LoadOptions{Files: files, NoDefaults: true, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("keys.Load: %v", err)
	}
	return s
}

func runTool(t *testing.T, stdin []byte, bin string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v: %.300s", filepath.Base(bin), args, err, errb.String())
	}
	return out.Bytes()
}

// Debian's age CLI encrypts, hush decrypts: binary and armored, X25519 and SSH recipients.
func TestAgeFileFromAgeCLI(t *testing.T) {
	ageBin := testenv.Age(t)
	fx := newAgeFixture(t)
	secret := []byte("throwaway secret\n\x00\xff binary tail")
	for _, armored := range []bool{false, true} {
		args := []string{"-r", fx.recipient}
		if armored {
			args = append(args, "-a")
		}
		enc := runTool(t, secret, ageBin, args...)
		if !IsAgeFile(enc) {
			t.Fatalf("armored=%v: not recognised as an age file", armored)
		}
		got, err := DecryptAgeFile("secret.age", enc, fx.ids)
		if err != nil {
			t.Fatalf("armored=%v: %v", armored, err)
		}
		if !bytes.Equal(got, secret) {
			t.Fatalf("armored=%v: plaintext differs (%d bytes, want %d)", armored, len(got), len(secret))
		}
	}

	t.Run("ssh-ed25519 recipient", func(t *testing.T) {
		sshKeygen := testenv.Tool(t, "", "ssh-keygen")
		key := filepath.Join(fx.dir, "id_ed25519")
		runTool(t, nil, sshKeygen, "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", key)
		enc := runTool(t, secret, ageBin, "-a", "-R", key+".pub")
		got, err := DecryptAgeFile("secret.age", enc, loadIDs(t, key))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, secret) {
			t.Fatal("plaintext differs")
		}
		// The wrong key: the error names the stanza types and what was tried, not the secret.
		_, err = DecryptAgeFile("secret.age", enc, fx.ids)
		if err == nil {
			t.Fatal("decrypted with the wrong key")
		}
		msg := err.Error()
		if !strings.Contains(msg, "ssh-ed25519 (key tag ") || !strings.Contains(msg, "secret.age") || !strings.Contains(msg, fx.recipient) {
			t.Errorf("error does not list stanzas, file and identities: %s", msg)
		}
		if strings.Contains(msg, "throwaway") {
			t.Error("error holds the plaintext")
		}
	})
}

// hush (keys.WrapAge) encrypts, Debian's age CLI decrypts.
func TestAgeFileToAgeCLI(t *testing.T) {
	ageBin := testenv.Age(t)
	fx := newAgeFixture(t)
	secret := []byte("another throwaway secret")
	enc, err := keys.WrapAge(secret, fx.recipient)
	if err != nil {
		t.Fatal(err)
	}
	got := runTool(t, []byte(enc), ageBin, "-d", "-i", fx.keyFile)
	if !bytes.Equal(got, secret) {
		t.Fatal("age -d gave different plaintext")
	}
}

func TestDecryptAgeFileErrors(t *testing.T) {
	fx := newAgeFixture(t)
	if _, err := DecryptAgeFile("x.yaml", []byte("a: 1\n"), fx.ids); err == nil || !strings.Contains(err.Error(), "x.yaml") {
		t.Errorf("not an age file: %v", err)
	}
	other, _ := age.GenerateX25519Identity()
	var buf bytes.Buffer
	w, _ := age.Encrypt(&buf, other.Recipient())
	w.Write([]byte("s"))
	w.Close()
	_, err := DecryptAgeFile("y.age", buf.Bytes(), fx.ids)
	if err == nil || !strings.Contains(err.Error(), "encrypted to: X25519") || !strings.Contains(err.Error(), fx.recipient) {
		t.Errorf("wrong key error: %v", err)
	}
}
