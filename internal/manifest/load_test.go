package manifest

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func mustLoad(t *testing.T, name string) *Manifest {
	t.Helper()
	m, err := Load(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	return m
}

func TestLoadHushBasic(t *testing.T) {
	m := mustLoad(t, "hush-basic.json")
	if m.Origin != OriginHush || m.Version != 1 {
		t.Fatalf("origin %q version %d", m.Origin, m.Version)
	}
	if m.MountPoint != DefaultMountPoint || m.Symlink != DefaultSymlink || m.KeepGenerations != 1 ||
		m.FailurePolicy != KeepGoing || m.UsersSymlink != DefaultUsersSymlink {
		t.Errorf("defaults not applied: %+v", m)
	}
	if !m.Logging.KeyImport || !m.Logging.SecretChanges {
		t.Errorf("logging defaults: %+v", m.Logging)
	}
	db := m.Secrets[0]
	if db.Path != "/run/secrets/db-password" || db.Link != "" || db.Mode != "0440" || db.Phase != PhaseSystem {
		t.Errorf("db-password: %+v", db)
	}
	if db.Source.Sops.Format != FormatYAML {
		t.Errorf("format from extension: %q", db.Source.Sops.Format)
	}
	kp, err := db.Source.Sops.KeyPath()
	if err != nil || len(kp) != 2 || kp[0] != "db" || kp[1] != "password" {
		t.Errorf("key path %v %v", kp, err)
	}
	tok := m.Secrets[1]
	if tok.Link != "/var/lib/app/token" || *tok.UID != 990 || *tok.GID != 990 || tok.Mode != "0400" {
		t.Errorf("api-token: %+v", tok)
	}
	alice := m.Secrets[3]
	if alice.Phase != PhaseUsers || alice.Path != "/run/secrets-for-users/alice-password" || alice.Link != "" {
		t.Errorf("alice: %+v", alice)
	}
	tp := m.Templates[0]
	if tp.Path != "/run/secrets/rendered/app.env" || tp.Link != "" || strings.Join(tp.Refs, ",") != "api-token,db-password" {
		t.Errorf("template: %+v", tp)
	}
}

func TestLoadSopsNixBasic(t *testing.T) {
	m := mustLoad(t, "sops-nix-basic.json")
	if m.Origin != OriginSopsNix {
		t.Fatalf("origin %q", m.Origin)
	}
	if m.Identities.AgeKeyFile != "/var/lib/sops-nix/key.txt" || len(m.Identities.SSHKeyPaths) != 1 {
		t.Errorf("identities %+v", m.Identities)
	}
	db := m.Secrets[0]
	if db.Owner != "postgres" || db.UID != nil || db.Group != "postgres" || db.Link != "" {
		t.Errorf("db: %+v", db)
	}
	env := m.Secrets[2]
	if env.Source.Sops.Key != "" || *env.UID != 1000 || *env.GID != 100 {
		t.Errorf("env: %+v", env)
	}
	wg := m.Secrets[1]
	if wg.Link != "/etc/wireguard/private.key" || wg.UID != nil || wg.GID != nil {
		t.Errorf("wg: %+v", wg)
	}
	if got := strings.Join(m.Templates[0].Refs, ","); got != "db/password" {
		t.Errorf("template refs %q", got)
	}
}

func TestUnknownFieldMessage(t *testing.T) {
	_, err := Parse([]byte(`{"version":1,"secrets":[
		{"name":"a","source":{"age":{"file":"/x.age"}}},
		{"name":"b","source":{"age":{"file":"/y.age"}}},
		{"name":"c","source":{"age":{"file":"/z.age"}}},
		{"name":"db-password","source":{"age":{"file":"/w.age"}},"ownr":"x"}]}`), "manifest.json")
	var me *Error
	if !errors.As(err, &me) {
		t.Fatalf("err %v", err)
	}
	want := `manifest.json: secrets[3] ("db-password"): unknown field "ownr" (did you mean "owner"?)`
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
}
