package manifest

import "testing"

func TestDigestCoversWhatIsInstalled(t *testing.T) {
	base := `{"name":"a","source":{"sops":{"file":"/s.yaml","key":"k"}},"owner":"u","mode":"0400","restartUnits":["x.service"]}`
	d0 := digestOne(t, base)
	if d0 != digestOne(t, base) {
		t.Fatal("not stable")
	}
	for _, changed := range []string{
		`{"name":"b","source":{"sops":{"file":"/s.yaml","key":"k"}},"owner":"u","mode":"0400"}`,
		`{"name":"a","source":{"sops":{"file":"/t.yaml","key":"k"}},"owner":"u","mode":"0400"}`,
		`{"name":"a","source":{"sops":{"file":"/s.yaml","key":"j"}},"owner":"u","mode":"0400"}`,
		`{"name":"a","source":{"sops":{"file":"/s.yaml","key":"k","format":"json"}},"owner":"u","mode":"0400"}`,
		`{"name":"a","source":{"age":{"file":"/s.yaml"}},"owner":"u","mode":"0400"}`,
		`{"name":"a","source":{"file":{"path":"/s.yaml"}},"owner":"u","mode":"0400"}`,
		`{"name":"a","source":{"sops":{"file":"/s.yaml","key":"k"}},"owner":"v","mode":"0400"}`,
		`{"name":"a","source":{"sops":{"file":"/s.yaml","key":"k"}},"uid":0,"mode":"0400"}`,
		`{"name":"a","source":{"sops":{"file":"/s.yaml","key":"k"}},"owner":"u","gid":0,"mode":"0400"}`,
		`{"name":"a","source":{"sops":{"file":"/s.yaml","key":"k"}},"owner":"u","mode":"0440"}`,
		`{"name":"a","source":{"sops":{"file":"/s.yaml","key":"k"}},"owner":"u","mode":"0400","path":"/etc/a"}`,
		`{"name":"a","source":{"sops":{"file":"/s.yaml","key":"k"}},"mode":"0400","phase":"users"}`,
	} {
		if digestOne(t, changed) == d0 {
			t.Errorf("digest unchanged by %s", changed)
		}
	}
	// Units say whom to tell, not what to install.
	if digestOne(t, `{"name":"a","source":{"sops":{"file":"/s.yaml","key":"k"}},"owner":"u","reloadUnits":["y.service"]}`) != d0 {
		t.Error("units changed the digest")
	}
}

func digestOne(t *testing.T, secret string) [32]byte {
	t.Helper()
	m, err := Parse([]byte(hushDoc(secret)), "m.json")
	if err != nil {
		t.Fatal(err)
	}
	return m.Secrets[0].Digest()
}

func TestTemplateAndSettingsDigest(t *testing.T) {
	mk := func(extra ...string) *Manifest {
		m, err := Parse([]byte(hushDoc(ageA, extra...)), "m.json")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a := mk(`"templates":[{"name":"t","content":"x"}]`)
	b := mk(`"templates":[{"name":"t","content":"y"}]`)
	c := mk(`"templates":[{"name":"t","content":"x","restartUnits":["z.service"]}]`, `"keepGenerations":5`)
	if a.Templates[0].Digest() == b.Templates[0].Digest() || a.Templates[0].Digest() != c.Templates[0].Digest() {
		t.Error("template digest")
	}
	if a.SettingsDigest() != c.SettingsDigest() {
		t.Error("keepGenerations changed the settings digest")
	}
	for _, extra := range []string{`"useTmpfs":true`, `"symlink":"/run/s"`, `"placeholders":{"a":"@A@"}`} {
		if mk(`"templates":[{"name":"t","content":"x"}]`, extra).SettingsDigest() == a.SettingsDigest() {
			t.Errorf("%s did not change the settings digest", extra)
		}
	}
}
