package manifest

import (
	"encoding/json"
	"fmt"
	"testing"
)

// corpus builds a manifest of n secrets spread over n/10 sops files, in either format.
func corpus(n int, sopsNix bool) []byte {
	if sopsNix {
		type sec struct {
			Name           string   `json:"name"`
			Key            string   `json:"key"`
			Path           string   `json:"path"`
			Owner          *string  `json:"owner"`
			UID            int      `json:"uid"`
			Group          *string  `json:"group"`
			GID            int      `json:"gid"`
			SopsFile       string   `json:"sopsFile"`
			SopsFileHash   string   `json:"sopsFileHash"`
			Format         string   `json:"format"`
			Mode           string   `json:"mode"`
			RestartUnits   []string `json:"restartUnits"`
			ReloadUnits    []string `json:"reloadUnits"`
			NeededForUsers bool     `json:"neededForUsers"`
		}
		var secs []sec
		for i := range n {
			name := fmt.Sprintf("svc%d/secret-%d", i/10, i)
			secs = append(secs, sec{Name: name, Key: fmt.Sprintf("group/key%d", i), Path: "/run/secrets/" + name,
				SopsFile: fmt.Sprintf("/nix/store/%032d-file%d.yaml", i/10, i/10), Format: "yaml", Mode: "0400",
				RestartUnits: []string{fmt.Sprintf("svc%d.service", i/10)}, ReloadUnits: []string{}})
		}
		b, _ := json.Marshal(map[string]any{"secrets": secs, "templates": []any{}, "secretsMountPoint": "/run/secrets.d",
			"symlinkPath": "/run/secrets", "keepGenerations": 1, "ageSshKeyPaths": []string{"/etc/ssh/ssh_host_ed25519_key"},
			"placeholderBySecretName": map[string]string{}, "logging": map[string]bool{"keyImport": true, "secretChanges": true}})
		return b
	}
	m := Manifest{Version: 1}
	for i := range n {
		m.Secrets = append(m.Secrets, Secret{Name: fmt.Sprintf("svc%d/secret-%d", i/10, i),
			Source:    Source{Sops: &SopsSource{File: fmt.Sprintf("/nix/store/%032d-file%d.yaml", i/10, i/10), Key: fmt.Sprintf("group/key%d", i)}},
			FileAttrs: FileAttrs{Owner: "svc", Mode: "0400", RestartUnits: []string{fmt.Sprintf("svc%d.service", i/10)}}})
	}
	b, _ := json.Marshal(m)
	return b
}

func benchParse(b *testing.B, n int, sopsNix bool) {
	data := corpus(n, sopsNix)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data, "bench.json"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseHush10000(b *testing.B)    { benchParse(b, 10000, false) }
func BenchmarkParseSopsNix10000(b *testing.B) { benchParse(b, 10000, true) }

func BenchmarkDigest10000(b *testing.B) {
	m, err := Parse(corpus(10000, false), "bench.json")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for i := range m.Secrets {
			m.Secrets[i].Digest()
		}
	}
}
