package manifest

import (
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/template"
)

func TestSopsNixForUsers(t *testing.T) {
	m := mustLoad(t, "sops-nix-for-users.json")
	s := m.Secrets[0]
	if s.Phase != PhaseUsers || s.Link != "" || m.Symlink != "/run/secrets-for-users" || m.UsersSymlink != m.Symlink {
		t.Errorf("%+v / %+v", s, m)
	}
	if m.Logging.KeyImport != true || m.Logging.SecretChanges != false {
		t.Errorf("logging %+v", m.Logging)
	}
	if u := m.ForPhase(PhaseUsers); len(u.Secrets) != 1 || u.Symlink != "/run/secrets-for-users" {
		t.Errorf("ForPhase: %+v", u)
	}
}

func TestSopsNixHomeManager(t *testing.T) {
	m := mustLoad(t, "sops-nix-home-manager.json")
	if !m.UserMode || m.MountPoint != "%r/secrets.d" {
		t.Fatalf("%+v", m)
	}
	if m.Secrets[1].Link != "%r/ssh-config" || m.Secrets[0].Link != "" || m.Templates[0].Link != "" {
		t.Errorf("links %q %q %q", m.Secrets[0].Link, m.Secrets[1].Link, m.Templates[0].Link)
	}
	if err := m.ExpandUserPaths("/run/user/1000"); err != nil {
		t.Fatal(err)
	}
	if m.MountPoint != "/run/user/1000/secrets.d" || m.Secrets[1].Link != "/run/user/1000/ssh-config" {
		t.Errorf("expanded: %q %q", m.MountPoint, m.Secrets[1].Link)
	}
	out, err := m.Renderer().Render([]byte(m.Templates[0].Content), func(n string) ([]byte, bool) {
		return []byte("T"), n == "github-token"
	})
	if err != nil || string(out) != "github.com:\n    oauth_token: T\n" {
		t.Errorf("render %q %v", out, err)
	}
}

// The converted sops-nix manifest and a hand-written hush manifest of the same intent
// resolve to the same secrets: same digests, same targets.
func TestSopsNixMatchesHushEquivalent(t *testing.T) {
	sn := mustLoad(t, "sops-nix-basic.json")
	hu := mustLoad(t, "hush-equivalent-of-sops-nix-basic.json")
	if len(sn.Secrets) != len(hu.Secrets) {
		t.Fatal("secret count")
	}
	for i := range sn.Secrets {
		a, b := &sn.Secrets[i], &hu.Secrets[i]
		if a.Digest() != b.Digest() {
			t.Errorf("secret %s: digests differ:\nsops-nix %+v %+v\nhush     %+v %+v", a.Name, a, *a.Source.Sops, b, *b.Source.Sops)
		}
		if strings.Join(a.RestartUnits, ",") != strings.Join(b.RestartUnits, ",") || strings.Join(a.ReloadUnits, ",") != strings.Join(b.ReloadUnits, ",") {
			t.Errorf("secret %s: units differ", a.Name)
		}
	}
	ta, tb := sn.Templates[0], hu.Templates[0]
	if ta.Path != tb.Path || ta.Mode != tb.Mode || strings.Join(ta.Refs, ",") != strings.Join(tb.Refs, ",") {
		t.Errorf("templates differ: %+v vs %+v", ta, tb)
	}
	vals := func(n string) ([]byte, bool) { return []byte("v-" + n), true }
	ra, _ := sn.Renderer().Render([]byte(ta.Content), vals)
	rb, _ := hu.Renderer().Render([]byte(tb.Content), vals)
	if string(ra) != string(rb) {
		t.Errorf("rendered differently: %q vs %q", ra, rb)
	}
}

// sopsNixDoc is a sops-nix manifest with one secret whose members are given.
func sopsNixDoc(secret string, top ...string) string {
	s := `{"secretsMountPoint":"/run/secrets.d","symlinkPath":"/run/secrets","secrets":[` + secret + `]`
	for _, e := range top {
		s += "," + e
	}
	return s + "}"
}

func TestSopsNixSemantics(t *testing.T) {
	const base = `"name":"s","sopsFile":"/nix/store/x-s.yaml","path":"/run/secrets/s","mode":"0400"`
	for _, tc := range []struct {
		name, doc string
		check     func(*testing.T, *Manifest)
	}{
		{"format empty is yaml; key absent is whole file", sopsNixDoc(`{` + base + `,"format":""}`), func(t *testing.T, m *Manifest) {
			ss := m.Secrets[0].Source.Sops
			if ss.Format != FormatYAML || ss.Key != "" {
				t.Errorf("%+v", ss)
			}
		}},
		{"binary ignores key", sopsNixDoc(`{` + base + `,"format":"binary","key":"s"}`), func(t *testing.T, m *Manifest) {
			if k := m.Secrets[0].Source.Sops.Key; k != "" {
				t.Errorf("key %q", k)
			}
		}},
		{"ini ignores key", sopsNixDoc(`{` + base + `,"format":"ini","key":"a/b"}`), func(t *testing.T, m *Manifest) {
			if k := m.Secrets[0].Source.Sops.Key; k != "" {
				t.Errorf("key %q", k)
			}
		}},
		{"slash key kept", sopsNixDoc(`{` + base + `,"key":"a/b"}`), func(t *testing.T, m *Manifest) {
			if k := m.Secrets[0].Source.Sops.Key; k != "a/b" {
				t.Errorf("key %q", k)
			}
		}},
		{"odd keys become brackets", sopsNixDoc(`{` + base + `,"key":"[x]/y"},{"name":"t","sopsFile":"/nix/store/x-s.yaml","path":"/run/secrets/t","key":"a//b"}`), func(t *testing.T, m *Manifest) {
			for i, want := range [][]any{{"[x]", "y"}, {"a", "", "b"}} {
				kp, err := m.Secrets[i].Source.Sops.KeyPath()
				if err != nil || len(kp) != len(want) {
					t.Fatalf("%d: %v %v", i, kp, err)
				}
				for j := range want {
					if kp[j] != want[j] {
						t.Errorf("%d: %v", i, kp)
					}
				}
			}
		}},
		{"mode absent defaults", sopsNixDoc(`{"name":"s","sopsFile":"/nix/store/x-s.yaml","path":"/run/secrets/s"}`), func(t *testing.T, m *Manifest) {
			if m.Secrets[0].Mode != "0400" {
				t.Errorf("%q", m.Secrets[0].Mode)
			}
		}},
		{"path absent defaults", sopsNixDoc(`{"name":"s","sopsFile":"/nix/store/x-s.yaml"}`), func(t *testing.T, m *Manifest) {
			if m.Secrets[0].Path != "/run/secrets/s" || m.Secrets[0].Link != "" {
				t.Errorf("%+v", m.Secrets[0])
			}
		}},
		{"uid null", sopsNixDoc(`{` + base + `,"uid":null,"gid":null,"owner":null,"group":null}`), func(t *testing.T, m *Manifest) {
			s := m.Secrets[0]
			if s.UID != nil || s.GID != nil || s.Owner != "" || s.Group != "" {
				t.Errorf("%+v", s)
			}
		}},
		{"owner with uid 0", sopsNixDoc(`{` + base + `,"owner":"nginx","uid":0,"group":"nginx","gid":0}`), func(t *testing.T, m *Manifest) {
			s := m.Secrets[0]
			if s.Owner != "nginx" || s.UID != nil || s.Group != "nginx" {
				t.Errorf("%+v", s)
			}
		}},
		{"owner wins over uid", sopsNixDoc(`{` + base + `,"owner":"a","uid":5,"group":"g","gid":7}`), func(t *testing.T, m *Manifest) {
			if s := m.Secrets[0]; s.Owner != "a" || s.UID != nil || s.Group != "g" || s.GID != nil {
				t.Errorf("%+v", s)
			}
		}},
		{"users phase with an owner is installed as root, not refused", sopsNixDoc(`{` + base + `,"owner":"alice","neededForUsers":true}`), func(t *testing.T, m *Manifest) {
			if s := m.Secrets[0]; s.Phase != PhaseUsers || s.Owner != "" || s.UID != nil {
				t.Errorf("%+v", s)
			}
		}},
		{"numeric owner name stays a name", sopsNixDoc(`{` + base + `,"owner":"1000"}`), func(t *testing.T, m *Manifest) {
			if s := m.Secrets[0]; s.Owner != "1000" || s.UID != nil {
				t.Errorf("%+v", s)
			}
		}},
		{"keepGenerations absent is 0; logging absent is off", sopsNixDoc(`{` + base + `}`), func(t *testing.T, m *Manifest) {
			if m.KeepGenerations != 0 || m.Logging.KeyImport || m.Logging.SecretChanges || m.FailurePolicy != KeepGoing {
				t.Errorf("%+v %+v", m, m.Logging)
			}
		}},
		{"template content wins over file", sopsNixDoc(`{`+base+`}`, `"templates":[{"name":"t","content":"x","file":"/nix/store/x-t"}]`, `"placeholderBySecretName":{"s":"@S@","other":"@O@"}`), func(t *testing.T, m *Manifest) {
			tp := m.Templates[0]
			if tp.Content != "x" || tp.File != "" || tp.Path != "/run/secrets/rendered/t" || tp.Mode != "0400" {
				t.Errorf("%+v", tp)
			}
			if len(m.Placeholders) != 1 || m.Placeholders["s"] != "@S@" {
				t.Errorf("placeholders %v", m.Placeholders)
			}
		}},
		{"template empty content uses file", sopsNixDoc(`{`+base+`}`, `"templates":[{"name":"t","content":"","file":"/nix/store/x-t"}]`, `"placeholderBySecretName":{"s":"@S@"}`), func(t *testing.T, m *Manifest) {
			if tp := m.Templates[0]; tp.File != "/nix/store/x-t" || tp.Refs != nil {
				t.Errorf("%+v", tp)
			}
		}},
		{"hush syntax is literal in sops-nix templates", sopsNixDoc(`{`+base+`}`, `"templates":[{"name":"t","content":"<hush:s> `+template.SopsPlaceholder("s")+` @S@"}]`, `"placeholderBySecretName":{"s":"@S@"}`), func(t *testing.T, m *Manifest) {
			out, err := m.Renderer().Render([]byte(m.Templates[0].Content), func(string) ([]byte, bool) { return []byte("V"), true })
			if err != nil || string(out) != "<hush:s> "+template.SopsPlaceholder("s")+" V" {
				t.Errorf("%q %v", out, err)
			}
		}},
		{"detected by sopsFile alone", `{"secrets":[{` + base + `}]}`, func(t *testing.T, m *Manifest) {
			if m.Origin != OriginSopsNix || m.Symlink != "/run/secrets" {
				t.Errorf("%+v", m)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.doc), "manifest.json")
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, m)
		})
	}
}

func TestSopsNixErrors(t *testing.T) {
	const base = `"name":"s","sopsFile":"/nix/store/x-s.yaml","path":"/run/secrets/s","mode":"0400"`
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown field", sopsNixDoc(`{` + base + `,"neededForUser":true}`), `secrets[0] ("s"): unknown field "neededForUser" (did you mean "neededForUsers"?)`},
		{"unknown top", sopsNixDoc(`{`+base+`}`, `"version":1`), `unknown field`},
		{"no sopsFile", sopsNixDoc(`{"name":"s","path":"/run/secrets/s","symlinkPath":"/x"}`), `missing field "sopsFile"`},
		{"mode empty", sopsNixDoc(`{"name":"s","sopsFile":"/nix/store/x-s.yaml","path":"/run/secrets/s","mode":""}`), `field "mode": empty`},
		{"mode bad", sopsNixDoc(`{"name":"s","sopsFile":"/nix/store/x-s.yaml","path":"/run/secrets/s","mode":"rw"}`), `mode "rw"`},
		{"bad format", sopsNixDoc(`{` + base + `,"format":"toml"}`), `format "toml"`},
		{"missing placeholder", sopsNixDoc(`{`+base+`}`, `"templates":[{"name":"t","content":"x"}]`, `"placeholderBySecretName":{}`), `no placeholder for this secret`},
		{"empty placeholder", sopsNixDoc(`{`+base+`}`, `"templates":[{"name":"t","content":"x"}]`, `"placeholderBySecretName":{"s":""}`), `empty placeholder`},
		{"template without content or file", sopsNixDoc(`{`+base+`}`, `"templates":[{"name":"t","content":""}]`, `"placeholderBySecretName":{"s":"@"}`), `neither content nor file`},
		{"gnupg and ssh", sopsNixDoc(`{`+base+`}`, `"gnupgHome":"/root/.gnupg","sshKeyPaths":["/etc/ssh/ssh_host_rsa_key"]`), `mutually exclusive`},
		{"gnupg and age", sopsNixDoc(`{`+base+`}`, `"gnupgHome":"/root/.gnupg","ageKeyFile":"/k"`), `mutually exclusive`},
		{"path inside symlink", sopsNixDoc(`{"name":"s","sopsFile":"/nix/store/x-s.yaml","path":"/run/secrets/other"}`), `not this entry's own place`},
		{"duplicate targets", sopsNixDoc(`{"name":"a","sopsFile":"/nix/store/x","path":"/etc/x"},{"name":"b","sopsFile":"/nix/store/x","path":"/etc/x"}`), `also the target of secrets[0] ("a")`},
		{"uid string", sopsNixDoc(`{` + base + `,"uid":"0"}`), `field "uid": expected a number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc), "manifest.json")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%v\nwant %q", err, tc.want)
			}
		})
	}
}
