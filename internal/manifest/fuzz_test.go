package manifest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParseManifest(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"version":1}`,
		`{"version":1,"secrets":[{"name":"a/b","source":{"sops":{"file":"/s.yaml","key":"[\"x\"][0]"}},"path":"/etc/a"}]}`,
		`{"version":1,"userMode":true,"symlink":"%r/s","mountPoint":"%r/d","secrets":[{"name":"a","source":{"age":{"file":"/a"}},"path":"%r/x/%%"}]}`,
		`{"version":1,"secrets":[{"name":"a","source":{"age":{"file":"/a"}}}],"templates":[{"name":"t","content":"<hush:a><hush:"}]}`,
		`{"secretsMountPoint":"/run/secrets.d","secrets":[{"name":"s","sopsFile":"/x","key":"a//b","uid":null}]}`,
		`{"secrets":[{"name":"s","sopsFile":"/x"}],"templates":[{"name":"t","content":"@"}],"placeholderBySecretName":{"s":"@"}}`,
		`{"version":1,"secrets":[{"name":"a","source":{"age":{"file":"/a"}},"uid":1e3}]}`,
		`{"version":1,"secrets":[{"name":"a","name":"b"}]}`,
		`[]`, `null`, `{"version":1,"secrets":{}}`, `{"version":1.0,"keepGenerations":2e0}`,
	} {
		f.Add([]byte(s))
	}
	schema := loadSchema(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data, "fuzz.json")
		if err != nil {
			if m != nil {
				t.Fatal("manifest returned with an error")
			}
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		for i := range m.Secrets {
			m.Secrets[i].Digest()
			if m.Secrets[i].Source.Sops != nil {
				if _, err := m.Secrets[i].Source.Sops.KeyPath(); err != nil {
					t.Fatalf("accepted a key KeyPath refuses: %v", err)
				}
			}
		}
		m.SettingsDigest()
		if m.Origin != OriginHush {
			return
		}
		// Whatever Parse accepts, the schema accepts.
		if err := validateDoc(schema, data); err != nil {
			t.Fatalf("Parse accepts but schema refuses: %v", err)
		}
		// A resolved hush manifest written back out parses to the same thing.
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := Parse(out, "roundtrip.json")
		if err != nil {
			t.Fatalf("round trip: %v\n%s", err, out)
		}
		if m.SettingsDigest() != m2.SettingsDigest() || len(m.Secrets) != len(m2.Secrets) || len(m.Templates) != len(m2.Templates) {
			t.Fatalf("round trip changed the manifest:\n%s", out)
		}
		for i := range m.Secrets {
			if m.Secrets[i].Digest() != m2.Secrets[i].Digest() {
				t.Fatalf("round trip changed secret %d:\n%s", i, out)
			}
		}
		for i := range m.Templates {
			if m.Templates[i].Digest() != m2.Templates[i].Digest() {
				t.Fatalf("round trip changed template %d:\n%s", i, out)
			}
		}
	})
}
