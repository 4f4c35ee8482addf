package install

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"golang.org/x/crypto/ssh"

	"github.com/hush-nix/hush/internal/manifest"
)

// TestCheckAgeRecipients: with host recipients, --check rejects a whole-file age source
// whose stanzas are all SSH stanzas for other keys (the error names the file), accepts one
// with a stanza for a host SSH key (ed25519 or RSA), and cannot judge X25519 stanzas.
func TestCheckAgeRecipients(t *testing.T) {
	dir := t.TempDir()
	edKey := func() (ssh.PublicKey, string) {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		sp, _ := ssh.NewPublicKey(pub)
		return sp, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))) + " root@host"
	}
	hostEd, hostEdLine := edKey()
	otherEd, _ := edKey()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	hostRSA, _ := ssh.NewPublicKey(&rk.PublicKey)
	hostRSALine := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostRSA)))
	rk2, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherRSA, _ := ssh.NewPublicKey(&rk2.PublicKey)
	x, _ := age.GenerateX25519Identity()

	r := func(pub ssh.PublicKey) age.Recipient {
		var rec age.Recipient
		var err error
		if pub.Type() == ssh.KeyAlgoRSA {
			rec, err = agessh.NewRSARecipient(pub)
		} else {
			rec, err = agessh.NewEd25519Recipient(pub)
		}
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	n := 0
	write := func(armored bool, recs ...age.Recipient) string {
		var buf bytes.Buffer
		var out interface {
			Write([]byte) (int, error)
			Close() error
		}
		var aw interface{ Close() error }
		if armored {
			a := armor.NewWriter(&buf)
			aw = a
			w, err := age.Encrypt(a, recs...)
			if err != nil {
				t.Fatal(err)
			}
			out = w
		} else {
			w, err := age.Encrypt(&buf, recs...)
			if err != nil {
				t.Fatal(err)
			}
			out = w
		}
		_, _ = out.Write([]byte("age-check-secret"))
		_ = out.Close()
		if aw != nil {
			_ = aw.Close()
		}
		n++
		p := filepath.Join(dir, "f"+strings.Repeat("x", n)+".age")
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hosts := []string{hostEdLine, hostRSALine, x.Recipient().String()}
	for _, c := range []struct {
		name  string
		file  string
		hosts []string
		bad   bool
	}{
		{"host ed25519", write(false, r(hostEd)), hosts, false},
		{"host ed25519 among others", write(false, r(otherEd), r(hostEd)), hosts, false},
		{"host rsa", write(false, r(hostRSA)), hosts, false},
		{"other ed25519", write(false, r(otherEd)), hosts, true},
		{"other rsa", write(false, r(otherRSA)), hosts, true},
		{"other ed25519, armored", write(true, r(otherEd)), hosts, true},
		{"host ed25519, armored", write(true, r(hostEd)), hosts, false},
		{"other keys, host lists only an age recipient", write(false, r(otherEd), r(otherRSA)), []string{x.Recipient().String()}, true},
		{"X25519: cannot tell", write(false, x.Recipient()), []string{hostEdLine}, false},
		{"other ssh and X25519: cannot tell", write(false, r(otherEd), x.Recipient()), []string{hostEdLine}, false},
		{"no host recipients: not checked", write(false, r(otherEd)), nil, false},
	} {
		s := Secret{Name: "s", Kind: SourceAge, File: c.file, Attrs: Attrs{Mode: 0o400}}
		errs := Check(&manifest.Manifest{}, []*Config{{MountPoint: "/run/s.d", Symlink: "/run/s", HostRecipients: c.hosts, Secrets: []Secret{s}}})
		if c.bad {
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), c.file+" is not encrypted to this host") {
				t.Errorf("%s: %v", c.name, errs)
			}
		} else if len(errs) != 0 {
			t.Errorf("%s: %v", c.name, errs)
		}
		for _, e := range errs {
			if strings.Contains(e.Error(), "age-check-secret") {
				t.Errorf("%s: a value in the error", c.name)
			}
		}
	}
	// A damaged header is reported, naming the file.
	bad := filepath.Join(dir, "bad.age")
	_ = os.WriteFile(bad, []byte("age-encryption.org/v1\n-> ssh-ed25519\n"), 0o644)
	errs := Check(&manifest.Manifest{}, []*Config{{HostRecipients: hosts, Secrets: []Secret{{Name: "b", Kind: SourceAge, File: bad}}}})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), bad) {
		t.Errorf("damaged header: %v", errs)
	}
}
