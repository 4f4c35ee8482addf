package keys

import (
	"os"
	"strings"
	"testing"
)

// More fuzz targets: the SSH public key lines `hush key from-ssh` and `hush init --host`
// read, SSH private keys converted to age identities, and OpenPGP key files
// (--identity FILE with a pgp key). Run one for longer with e.g.
//   go test ./internal/keys -run '^$' -fuzz '^FuzzSSHToAgeRecipients$' -fuzztime 60s

func FuzzSSHToAgeRecipients(f *testing.F) {
	pub, _ := os.ReadFile("testdata/ssh_ed25519.pub")
	rsa, _ := os.ReadFile("testdata/ssh_rsa.pub")
	for _, s := range []string{
		string(pub), string(rsa), string(pub) + string(rsa),
		"# comment\n\n" + string(pub),
		"host.example,10.0.0.1 " + string(pub),
		`command="x",no-pty ` + string(pub),
		"@cert-authority *.example " + string(pub),
		"ssh-ed25519 AAAA", "ssh-ed25519", "", "\x00\n\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := SSHToAgeRecipients(data)
		if err != nil {
			return
		}
		if len(keys) == 0 {
			t.Fatal("no keys and no error")
		}
		for _, k := range keys {
			if _, err := parseRecipient(k.Recipient); err != nil || !strings.HasPrefix(k.Recipient, "age1") {
				t.Fatalf("converted recipient %q does not parse: %v", k.Recipient, err)
			}
		}
	})
}

func FuzzSSHToAgeIdentity(f *testing.F) {
	ed, _ := os.ReadFile("testdata/ssh_ed25519")
	enc, _ := os.ReadFile("testdata/ssh_ed25519_passphrase")
	rsa, _ := os.ReadFile("testdata/ssh_rsa")
	for _, s := range [][]byte{ed, enc, rsa, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"), nil} {
		f.Add(s, []byte(""))
		f.Add(s, []byte("pw-Zq9xK"))
	}
	f.Fuzz(func(t *testing.T, data, pass []byte) {
		id, err := sshToAgeIdentity(data, pass)
		if err != nil {
			if strings.Contains(err.Error(), "AGE-SECRET-KEY-") || (len(pass) >= 8 && strings.Contains(err.Error(), string(pass))) {
				t.Fatal("error holds secret material")
			}
			return
		}
		if _, err := IdentityRecipient(id); err != nil {
			t.Fatalf("converted identity does not parse: %v", err)
		}
	})
}

func FuzzParsePGPKeys(f *testing.F) {
	for _, s := range []string{
		"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlFgEZ\n-----END PGP PRIVATE KEY BLOCK-----\n",
		"-----BEGIN PGP PUBLIC KEY BLOCK-----\n-----END PGP PUBLIC KEY BLOCK-----\n",
		"\x99\x00\x0d\x04", "\x95", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := parsePGPKeys(data)
		if err == nil && len(list) == 0 {
			t.Fatal("no keys and no error")
		}
	})
}
