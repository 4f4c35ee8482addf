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

// FuzzManifestFields builds well-formed manifests from fuzzed field values, so the fuzzer
// spends its time in validation rather than in JSON syntax. Same properties as above.
func FuzzManifestFields(f *testing.F) {
	f.Add("db/password", "/etc/app/db", "a/b", "0440", "postgres", "system", "x.service", "<hush:db/password>", false)
	f.Add("a", "", `["a"][0]`, "400", "1000", "users", "", "<SOPS:00:PLACEHOLDER>", true)
	f.Add("../x", "/run/secrets/x", "", "0o600", "", "", "a b", "<hush:", false)
	f.Add("rendered", "%r/x", "a//b", "9", "a:b", "boot", "", "", true)
	schema := loadSchema(f)
	f.Fuzz(func(t *testing.T, name, path, key, mode, owner, phase, unit, content string, userMode bool) {
		sec := map[string]any{
			"name":   name,
			"source": map[string]any{"sops": map[string]any{"file": "/nix/store/x-s.yaml", "key": key}},
		}
		for k, v := range map[string]string{"path": path, "mode": mode, "owner": owner, "phase": phase} {
			if v != "" {
				sec[k] = v
			}
		}
		if unit != "" {
			sec["restartUnits"] = []string{unit}
		}
		doc := map[string]any{"version": 1, "secrets": []any{sec}, "userMode": userMode,
			"templates": []any{map[string]any{"name": "t", "content": content}}}
		data, err := json.Marshal(doc)
		if err != nil {
			return // invalid UTF-8 in a field: not a manifest anyone can write
		}
		m, err := Parse(data, "fuzz.json")
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if err := validateDoc(schema, data); err != nil {
			t.Fatalf("Parse accepts but schema refuses: %v\n%s", err, data)
		}
		if _, err := m.Secrets[0].Source.Sops.KeyPath(); err != nil {
			t.Fatalf("accepted key %q that KeyPath refuses", key)
		}
		out, _ := json.Marshal(m)
		m2, err := Parse(out, "roundtrip.json")
		if err != nil || m2.Secrets[0].Digest() != m.Secrets[0].Digest() || m2.Templates[0].Digest() != m.Templates[0].Digest() {
			t.Fatalf("round trip: %v\n%s\n%s", err, data, out)
		}
		if userMode {
			if err := m.ExpandUserPaths("/run/user/1000"); err != nil {
				t.Fatalf("expansion of an accepted manifest failed: %v\n%s", err, data)
			}
		}
	})
}
