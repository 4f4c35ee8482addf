package manifest_test

import (
	"fmt"

	"github.com/hush-nix/hush/internal/manifest"
)

func ExampleParse() {
	m, err := manifest.Parse([]byte(`{
		"version": 1,
		"secrets": [{
			"name": "db-password",
			"source": {"sops": {"file": "/nix/store/0000000000000000000000000000000a-prod.yaml", "key": "db/password"}},
			"owner": "postgres",
			"path": "/var/lib/app/db-password"
		}]
	}`), "manifest.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	s := m.Secrets[0]
	fmt.Println(s.Path, s.Link, s.Mode, s.Phase, m.Symlink, m.KeepGenerations)
	// Output: /var/lib/app/db-password /var/lib/app/db-password 0400 system /run/secrets 1
}

func ExampleParse_errors() {
	_, err := manifest.Parse([]byte(`{"version": 1, "secrets": [
		{"name": "a", "source": {"age": {"file": "/s/a.age"}}, "ownr": "x"},
		{"name": "b", "source": {"age": {"file": "/s/b.age"}}, "mode": "0999"}
	]}`), "manifest.json")
	fmt.Println(err)
	// Output:
	// manifest.json: secrets[0] ("a"): unknown field "ownr" (did you mean "owner"?)
	// manifest.json: secrets[1] ("b"): mode "0999": want octal digits 0-7, e.g. "0400"
}
