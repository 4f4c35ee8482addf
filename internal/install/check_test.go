package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/manifest"
	"github.com/hush-nix/hush/internal/sopsfile"
)

// TestCheck: --check needs no private key; it finds missing keys, unparsable sources and
// files not encrypted to the host, naming the file.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	_, recA, err := keys.GenerateX25519()
	if err != nil {
		t.Fatal(err)
	}
	_, recB, _ := keys.GenerateX25519()
	docs, err := sopsfile.ParsePlain([]byte("db:\n    password: check-secret\n"), sopsfile.YAML)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sopsfile.New("s.yaml", sopsfile.YAML, docs, sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{{Age: []string{recA}}}}, sopsfile.EncryptionRules{})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := f.Encrypt()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "s.yaml")
	_ = os.WriteFile(file, enc, 0o644)
	plain := filepath.Join(dir, "plain.yaml")
	_ = os.WriteFile(plain, []byte("db: x\n"), 0o644)

	cfg := func(hosts []string, secrets ...Secret) []*Config {
		return []*Config{{MountPoint: "/run/s.d", Symlink: "/run/s", HostRecipients: hosts, Secrets: secrets}}
	}
	m := &manifest.Manifest{}
	if errs := Check(m, cfg([]string{recA}, sec("ok", file, "db/password", 0o400))); len(errs) != 0 {
		t.Errorf("valid: %v", errs)
	}
	errs := Check(m, cfg([]string{recB}, sec("ok", file, "db/password", 0o400)))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), file+" is not encrypted to this host") {
		t.Errorf("wrong host: %v", errs)
	}
	errs = Check(m, cfg(nil, sec("missing", file, "db/nope", 0o400), sec("whole", file, "", 0o400)))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "secret missing") || !strings.Contains(errs[0].Error(), "db/nope cannot be found") {
		t.Errorf("missing key: %v", errs)
	}
	errs = Check(m, cfg(nil, sec("plain", plain, "db", 0o400)))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "no sops metadata") {
		t.Errorf("unencrypted file: %v", errs)
	}
	for _, e := range Check(m, cfg([]string{recB}, sec("a", file, "db/password", 0o400), sec("b", file, "db/nope", 0o400))) {
		if strings.Contains(e.Error(), "check-secret") {
			t.Error("a value in a check error")
		}
	}
}

// TestCheckDotenvSopsVariable: a dotenv variable named sops is data; --check must find the
// metadata beside it rather than judge the file unencrypted.
func TestCheckDotenvSopsVariable(t *testing.T) {
	dir := t.TempDir()
	_, rec, err := keys.GenerateX25519()
	if err != nil {
		t.Fatal(err)
	}
	docs, err := sopsfile.ParsePlain([]byte("sops=not-metadata\nTOKEN=check-dotenv-secret\n"), sopsfile.Dotenv)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sopsfile.New("s.env", sopsfile.Dotenv, docs, sopsfile.Recipients{Groups: []sopsfile.KeyGroupRecipients{{Age: []string{rec}}}}, sopsfile.EncryptionRules{})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := f.Encrypt()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "s.env")
	_ = os.WriteFile(file, enc, 0o644)
	s := sec("tok", file, "TOKEN", 0o400)
	s.Format = "dotenv"
	cfg := []*Config{{MountPoint: "/run/s.d", Symlink: "/run/s", HostRecipients: []string{rec}, Secrets: []Secret{s}}}
	if errs := Check(&manifest.Manifest{}, cfg); len(errs) != 0 {
		t.Errorf("dotenv with a sops variable: %v", errs)
	}
}
