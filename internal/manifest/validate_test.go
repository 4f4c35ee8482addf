package manifest

import (
	"errors"
	"strings"
	"testing"
)

// hushDoc wraps secrets (and optional extra top-level members) into a v1 manifest.
func hushDoc(secrets string, extra ...string) string {
	s := `{"version":1,"secrets":[` + secrets + `]`
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

const ageA = `{"name":"a","source":{"age":{"file":"/s/a.age"}}}`

func TestValidationErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"not json", `{"version":1,`, "invalid JSON: line 1"},
		{"not an object", `[1]`, "expected an object"},
		{"no version", `{"secrets":[]}`, `missing field "version"`},
		{"version 2", `{"version":2}`, "unsupported manifest version 2"},
		{"version string", `{"version":"1"}`, `field "version": expected a number, got string`},
		{"unknown top", `{"version":1,"mountpoint":"/x"}`, `unknown field "mountpoint" (did you mean "mountPoint"?)`},
		{"duplicate member", `{"version":1,"useTmpfs":true,"useTmpfs":false}`, `field "useTmpfs" given twice`},
		{"empty name", hushDoc(`{"name":"","source":{"age":{"file":"/a"}}}`), `secrets[0]: empty name`},
		{"missing name", hushDoc(`{"source":{"age":{"file":"/a"}}}`), `secrets[0]: missing field "name"`},
		{"dotdot name", hushDoc(`{"name":"../etc/x","source":{"age":{"file":"/a"}}}`), `secrets[0] ("../etc/x"): name has a ".." component`},
		{"abs name", hushDoc(`{"name":"/x","source":{"age":{"file":"/a"}}}`), `name must not start with '/'`},
		{"newline name", hushDoc(`{"name":"a\nb","source":{"age":{"file":"/a"}}}`), `control character`},
		{"reserved name", hushDoc(`{"name":".hush/x","source":{"age":{"file":"/a"}}}`), `reserved`},
		{"duplicate name", hushDoc(ageA + "," + ageA), `secrets[1] ("a"): duplicate name (also secrets[0] ("a"))`},
		{"file and dir", hushDoc(ageA + `,{"name":"a/b","source":{"age":{"file":"/s/b.age"}}}`), `needs "a" to be a directory`},
		{"no source", hushDoc(`{"name":"a"}`), `missing field "source"`},
		{"two sources", hushDoc(`{"name":"a","source":{"age":{"file":"/a"},"file":{"path":"/b"}}}`), `exactly one of sops, age, file`},
		{"vault not yet", hushDoc(`{"name":"a","source":{"vault":{}}}`), `unknown field "source.vault"`},
		{"sops missing key", hushDoc(`{"name":"a","source":{"sops":{"file":"/s.yaml"}}}`), `missing field "source.sops.key"`},
		{"sops bad format", hushDoc(`{"name":"a","source":{"sops":{"file":"/s.yaml","key":"a","format":"toml"}}}`), `format "toml"`},
		{"binary with key", hushDoc(`{"name":"a","source":{"sops":{"file":"/s.bin","key":"a"}}}`), `a binary file has no keys`},
		{"dotenv nested key", hushDoc(`{"name":"a","source":{"sops":{"file":"/s.env","key":"a/b"}}}`), `dotenv file is flat`},
		{"bad bracket key", hushDoc(`{"name":"a","source":{"sops":{"file":"/s.yaml","key":"[\"a\"][x]"}}}`), `neither a quoted name nor a list index`},
		{"empty key component", hushDoc(`{"name":"a","source":{"sops":{"file":"/s.yaml","key":"a//b"}}}`), `empty component`},
		{"relative source", hushDoc(`{"name":"a","source":{"age":{"file":"s/a.age"}}}`), `source file "s/a.age": not an absolute path`},
		{"plain file in store", hushDoc(`{"name":"a","source":{"file":{"path":"/nix/store/x-key"}}}`), `readable by every user`},
		{"one file two ways", hushDoc(`{"name":"a","source":{"age":{"file":"/s/x"}}},{"name":"b","source":{"sops":{"file":"/s/x","key":""}}}`), `read as sops binary here but as age`},
		{"bad mode", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"mode":"0999"}`), `mode "0999": want octal digits`},
		{"setuid mode", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"mode":"4755"}`), `setuid`},
		{"mode number", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"mode":400}`), `field "mode": expected a string, got number`},
		{"owner and uid", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"owner":"x","uid":3}`), `both "owner" and "uid"`},
		{"group and gid", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"group":"x","gid":3}`), `both "group" and "gid"`},
		{"negative uid", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"uid":-1}`), `out of range`},
		{"fractional gid", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"gid":1.5}`), `not an integer`},
		{"bad owner", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"owner":"a:b"}`), `not a valid user or group name`},
		{"bad unit", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"restartUnits":["x.service\nother"]}`), `not a valid systemd unit name`},
		{"units not strings", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"reloadUnits":[1]}`), `element 0: expected a string`},
		{"bad phase", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"phase":"boot"}`), `"boot" is not one of`},
		{"users phase owner", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"phase":"users","owner":"alice"}`), `must be owned by root`},
		{"relative path", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"etc/a"}`), `not an absolute path`},
		{"dotdot path", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"/etc/../a"}`), `not a clean path (did you mean "/a"?)`},
		{"nul path", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"/etc/a\u0000"}`), `NUL`},
		{"store path", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"/nix/store/a"}`), `Nix store`},
		{"path in mount point", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"/run/secrets.d/1/a"}`), `inside mountPoint`},
		{"path in symlink", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"/run/secrets/b"}`), `not this entry's own place there ("/run/secrets/a")`},
		{"path replaces root", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"/run"}`), `would replace mountPoint`},
		{"duplicate target", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"/etc/x"},{"name":"b","source":{"age":{"file":"/b"}},"path":"/etc/x"}`), `secrets[1] ("b"): path "/etc/x" is also the target of secrets[0] ("a")`},
		{"duplicate target with template", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"/etc/x"}`, `"templates":[{"name":"t","content":"","path":"/etc/x"}]`), `templates[0] ("t"): path "/etc/x" is also the target of secrets[0]`},
		{"nested targets", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"/etc/x"},{"name":"b","source":{"age":{"file":"/b"}},"path":"/etc/x/y"}`), `needs "/etc/x" to be a directory`},
		{"overlapping roots", `{"version":1,"mountPoint":"/run/secrets/d"}`, `overlap`},
		{"root in store", `{"version":1,"symlink":"/nix/store/x"}`, `must not be in the Nix store`},
		{"bad policy", `{"version":1,"failurePolicy":"yolo"}`, `"yolo" is not one of`},
		{"key in store", `{"version":1,"identities":{"ageKeyFile":"/nix/store/k"}}`, `private key in the Nix store`},
		{"unknown identity field", `{"version":1,"identities":{"agekeyfile":"/k"}}`, `identities: unknown field "agekeyfile" (did you mean "ageKeyFile"?)`},
		{"bad recipient", `{"version":1,"hostRecipients":["AGE1xyz"]}`, `not an age`},
		{"template unknown secret", hushDoc(ageA, `"templates":[{"name":"t","content":"<hush:b>"}]`), `templates[0] ("t"): references unknown secret "b"`},
		{"template users secret", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"phase":"users"}`, `"templates":[{"name":"t","content":"<hush:a>"}]`), `phase "users"`},
		{"template both", hushDoc(ageA, `"templates":[{"name":"t","content":"x","file":"/t"}]`), `exactly one of "content" and "file"`},
		{"template neither", hushDoc(ageA, `"templates":[{"name":"t"}]`), `exactly one of "content" and "file"`},
		{"template unterminated", hushDoc(ageA, `"templates":[{"name":"t","content":"<hush:a"}]`), `without a closing`},
		{"template dup", hushDoc(ageA, `"templates":[{"name":"t","content":""},{"name":"t","content":""}]`), `templates[1] ("t"): duplicate name`},
		{"secret named rendered", hushDoc(`{"name":"rendered","source":{"age":{"file":"/a"}}}`, `"templates":[{"name":"t","content":""}]`), `where templates are rendered`},
		{"placeholder unknown", hushDoc(ageA, `"placeholders":{"b":"@B@"}`), `"b" is not the name of a secret`},
		{"placeholder empty", hushDoc(ageA, `"placeholders":{"a":""}`), `empty placeholder`},
		{"placeholder shared", hushDoc(ageA+`,{"name":"b","source":{"age":{"file":"/b"}}}`, `"placeholders":{"a":"@X@","b":"@X@"}`), `already used`},
		{"usermode owner", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"owner":"x"}`, `"userMode":true`), `cannot be set in userMode`},
		{"usermode relative", hushDoc(ageA, `"userMode":true,"symlink":"secrets"`), `not an absolute path`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.doc), "m.json")
			if err == nil {
				t.Fatalf("accepted: %+v", m)
			}
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("not an *Error: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%v\nwant it to contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "m.json: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
		})
	}
}

func TestAllProblemsReported(t *testing.T) {
	_, err := Parse([]byte(hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"mode":"9"},{"name":"b","source":{"age":{"file":"/b"}},"mode":"8"}`)), "m.json")
	var me *Error
	if !errors.As(err, &me) || len(me.Problems) != 2 || me.Problems[0].Name != "a" || me.Problems[1].Name != "b" {
		t.Fatalf("%v", err)
	}
}

func TestAccepted(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		check     func(*testing.T, *Manifest)
	}{
		{"empty", `{"version":1}`, func(t *testing.T, m *Manifest) {
			if len(m.Secrets) != 0 || m.KeepGenerations != 1 {
				t.Errorf("%+v", m)
			}
		}},
		{"keep zero", `{"version":1,"keepGenerations":0}`, func(t *testing.T, m *Manifest) {
			if m.KeepGenerations != 0 {
				t.Errorf("keep %d", m.KeepGenerations)
			}
		}},
		{"mode forms", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"mode":"440"},{"name":"b","source":{"age":{"file":"/b"}},"mode":"0o600"}`), func(t *testing.T, m *Manifest) {
			if m.Secrets[0].Mode != "0440" || m.Secrets[1].Mode != "0600" || m.Secrets[1].Perm() != 0o600 {
				t.Errorf("%q %q", m.Secrets[0].Mode, m.Secrets[1].Mode)
			}
		}},
		{"numeric owner", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"owner":"1000","group":"100"}`), func(t *testing.T, m *Manifest) {
			s := m.Secrets[0]
			if s.Owner != "" || s.UID == nil || *s.UID != 1000 || s.GID == nil || *s.GID != 100 {
				t.Errorf("%+v", s)
			}
		}},
		{"nested name", hushDoc(`{"name":"app/db","source":{"age":{"file":"/a"}}}`), func(t *testing.T, m *Manifest) {
			if m.Secrets[0].Path != "/run/secrets/app/db" {
				t.Errorf("%q", m.Secrets[0].Path)
			}
		}},
		{"explicit default path", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"/run/secrets/a"}`), func(t *testing.T, m *Manifest) {
			if m.Secrets[0].Link != "" {
				t.Errorf("link %q", m.Secrets[0].Link)
			}
		}},
		{"format override", hushDoc(`{"name":"a","source":{"sops":{"file":"/s/secrets","key":"a","format":"json"}}}`), func(t *testing.T, m *Manifest) {
			if m.Secrets[0].Source.Sops.Format != FormatJSON {
				t.Errorf("%q", m.Secrets[0].Source.Sops.Format)
			}
		}},
		{"binary default key", hushDoc(`{"name":"a","source":{"sops":{"file":"/s/blob"}}}`), func(t *testing.T, m *Manifest) {
			if ss := m.Secrets[0].Source.Sops; ss.Format != FormatBinary || ss.Key != "" {
				t.Errorf("%+v", ss)
			}
		}},
		{"sops placeholder in hush template", hushDoc(ageA, `"templates":[{"name":"t","content":"<SOPS:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb:PLACEHOLDER>"}]`), func(t *testing.T, m *Manifest) {
			if strings.Join(m.Templates[0].Refs, ",") != "a" {
				t.Errorf("refs %v", m.Templates[0].Refs)
			}
		}},
		{"custom placeholder", hushDoc(ageA, `"placeholders":{"a":"@A@"}`, `"templates":[{"name":"t","content":"x=@A@"}]`), func(t *testing.T, m *Manifest) {
			out, err := m.Renderer().Render([]byte(m.Templates[0].Content), func(string) ([]byte, bool) { return []byte("v"), true })
			if err != nil || string(out) != "x=v" {
				t.Errorf("%q %v", out, err)
			}
		}},
		{"template file", hushDoc(ageA, `"templates":[{"name":"t","file":"/nix/store/x-t.conf","path":"/etc/t.conf","owner":"nginx"}]`), func(t *testing.T, m *Manifest) {
			tp := m.Templates[0]
			if tp.Refs != nil || tp.Link != "/etc/t.conf" || tp.Owner != "nginx" {
				t.Errorf("%+v", tp)
			}
			names, err := m.CheckTemplateRefs(&tp, []byte("<hush:a>"))
			if err != nil || len(names) != 1 {
				t.Errorf("%v %v", names, err)
			}
			if _, err := m.CheckTemplateRefs(&tp, []byte("<hush:zz>")); err == nil || !strings.Contains(err.Error(), `unknown secret "zz"`) {
				t.Errorf("%v", err)
			}
		}},
		{"user mode", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"%r/app/a"}`, `"userMode":true,"mountPoint":"%r/secrets.d","symlink":"%r/secrets"`), func(t *testing.T, m *Manifest) {
			if m.Secrets[0].Link != "%r/app/a" {
				t.Errorf("link %q", m.Secrets[0].Link)
			}
			if err := m.ExpandUserPaths("/run/user/1000"); err != nil {
				t.Fatal(err)
			}
			if m.MountPoint != "/run/user/1000/secrets.d" || m.Symlink != "/run/user/1000/secrets" || m.Secrets[0].Link != "/run/user/1000/app/a" {
				t.Errorf("%+v", m)
			}
			if err := m.ExpandUserPaths("/elsewhere"); err != nil || m.Symlink != "/run/user/1000/secrets" {
				t.Errorf("second expansion changed something: %v %q", err, m.Symlink)
			}
		}},
		{"relative runtime dir", hushDoc(ageA, `"userMode":true`), func(t *testing.T, m *Manifest) {
			if err := m.ExpandUserPaths("relative"); err == nil {
				t.Error("relative runtime dir accepted")
			}
		}},
		{"double percent", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"%r/x/%%r"}`, `"userMode":true,"symlink":"%r/s","mountPoint":"%r/d"`), func(t *testing.T, m *Manifest) {
			if err := m.ExpandUserPaths("/run/user/7"); err != nil || m.Secrets[0].Link != "/run/user/7/x/%r" {
				t.Errorf("%q %v", m.Secrets[0].Link, err)
			}
		}},
		{"percent literal outside user mode", hushDoc(`{"name":"a","source":{"age":{"file":"/a"}},"path":"/etc/%r"}`), func(t *testing.T, m *Manifest) {
			if err := m.ExpandUserPaths("/run/user/1"); err != nil || m.Secrets[0].Path != "/etc/%r" {
				t.Errorf("%q %v", m.Secrets[0].Path, err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.doc), "m.json")
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, m)
		})
	}
}

func TestForPhase(t *testing.T) {
	m := mustLoad(t, "hush-basic.json")
	u := m.ForPhase(PhaseUsers)
	if len(u.Secrets) != 1 || u.Secrets[0].Name != "alice-password" || u.Symlink != DefaultUsersSymlink || u.MountPoint != DefaultUsersMountPoint || len(u.Templates) != 0 {
		t.Errorf("users: %+v", u)
	}
	s := m.ForPhase(PhaseSystem)
	if len(s.Secrets) != 3 || len(s.Templates) != 1 || s.Symlink != DefaultSymlink {
		t.Errorf("system: %+v", s)
	}
}

func TestKeyForms(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want []any
	}{
		{"", nil},
		{"a", []any{"a"}},
		{"a/b/0", []any{"a", "b", "0"}},
		{`["a"]["b"][0]`, []any{"a", "b", 0}},
		{`['a/b']["c[d]"]`, []any{"a/b", "c[d]"}},
		{`["it's"]['say "hi"']`, []any{"it's", `say "hi"`}},
		{`[""]`, []any{""}},
	} {
		got, err := ParseKey(tc.key)
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("%q: %v %v", tc.key, got, err)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q: element %d = %#v, want %#v", tc.key, i, got[i], tc.want[i])
			}
		}
		if tc.want != nil {
			s, ok := FormatKey(got)
			back, err := ParseKey(s)
			if !ok || err != nil || len(back) != len(got) {
				t.Errorf("%q: FormatKey %q %v %v", tc.key, s, ok, err)
			}
		}
	}
	for _, bad := range []string{"a/", "/a", `["a"`, `[x]`, `[-1]`, `[01]`, `["a"]b`, `[]`} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
