package keys

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/testenv"
)

// Interop with Debian's age CLI, both ways, for X25519 and SSH recipients.

func runAge(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(testenv.Age(t), args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("age %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.Bytes()
}

func TestAgeCLIInterop(t *testing.T) {
	testenv.Age(t)
	dir := t.TempDir()
	id, rcpt := mustKey(t)
	idFile := writeFile(t, dir, "keys.txt", id+"\n", 0o600)
	sshKey := copyTestdata(t, dir, "ssh_ed25519")
	sshPub := strings.TrimSpace(string(must(os.ReadFile("testdata/ssh_ed25519.pub"))))
	rsaKey := copyTestdata(t, dir, "ssh_rsa")
	rsaPub := strings.TrimSpace(string(must(os.ReadFile("testdata/ssh_rsa.pub"))))
	set, err := Load(LoadOptions{Files: []string{idFile}, SSHKeyPaths: []string{sshKey, rsaKey}, Getenv: noEnv, NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}

	for name, c := range map[string]struct{ rcpt, idFile string }{
		"x25519":      {rcpt, idFile},
		"ssh-ed25519": {sshPub, sshKey},
		"ssh-rsa":     {rsaPub, rsaKey},
	} {
		t.Run(name, func(t *testing.T) {
			// hush -> age
			enc, err := WrapAge(dataKey(), c.rcpt)
			if err != nil {
				t.Fatal(err)
			}
			if got := runAge(t, []byte(enc), "-d", "-i", c.idFile); !bytes.Equal(got, dataKey()) {
				t.Fatalf("age -d of hush's blob: %d bytes, wrong", len(got))
			}
			// age -> hush, armored (as sops stores) and binary
			rf := writeFile(t, dir, "r-"+name, c.rcpt+"\n", 0o644)
			for _, armor := range []bool{true, false} {
				args := []string{"-e", "-R", rf}
				if armor {
					args = append(args, "-a")
				}
				blob := runAge(t, dataKey(), args...)
				got, err := set.UnwrapAge(blob)
				if err != nil {
					t.Fatalf("armor=%v: %v", armor, err)
				}
				if !bytes.Equal(got, dataKey()) {
					t.Fatalf("armor=%v: wrong data key", armor)
				}
			}
		})
	}

	// A blob to several recipients, one of them ours.
	_, other := mustKey(t)
	rf := writeFile(t, dir, "many", other+"\n"+sshPub+"\n", 0o644)
	blob := runAge(t, dataKey(), "-e", "-a", "-R", rf)
	if got, err := set.UnwrapAge(blob); err != nil || !bytes.Equal(got, dataKey()) {
		t.Fatalf("multi-recipient: %v", err)
	}

	// An ssh-to-age converted key pair works with age like any X25519 key.
	convID := must(SSHToAgeIdentity(must(os.ReadFile("testdata/ssh_ed25519")), nil))
	convR := must(SSHToAgeRecipient([]byte(sshPub)))
	convFile := writeFile(t, dir, "converted.txt", convID+"\n", 0o600)
	enc, err := WrapAge(dataKey(), convR)
	if err != nil {
		t.Fatal(err)
	}
	if got := runAge(t, []byte(enc), "-d", "-i", convFile); !bytes.Equal(got, dataKey()) {
		t.Fatal("age -d with the converted identity: wrong data key")
	}

	// age-keygen output loads as-is.
	kg := runAgeKeygen(t, dir)
	if _, err := Load(LoadOptions{Files: []string{kg}, Getenv: noEnv, NoDefaults: true}); err != nil {
		t.Fatal(err)
	}
}

func runAgeKeygen(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(filepath.Dir(testenv.Age(t)), "age-keygen")
	if _, err := os.Stat(bin); err != nil {
		bin = testenv.Tool(t, "", "age-keygen")
	}
	out := filepath.Join(dir, "age-keygen.txt")
	if b, err := exec.Command(bin, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("age-keygen: %v: %s", err, b)
	}
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
