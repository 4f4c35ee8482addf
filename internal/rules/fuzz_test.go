package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the .sops.yaml parser and to rule matching: neither
// may panic, and every error must name the file.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.sops.yaml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("creation_rules:\n  - path_regex: .*\n    age: " + r1 + "\n"))
	f.Add([]byte("creation_rules:\n  - key_groups:\n      - merge:\n          - merge:\n              - age: [x]\n"))
	f.Add([]byte("stores:\n  yaml:\n    indent: 2\n"))
	f.Add([]byte("creation_rules: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "f/.sops.yaml"
		c, err := Parse(name, data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), name+": ") {
				t.Fatalf("Parse error does not start with the file name: %v", err)
			}
			return
		}
		for _, file := range []string{"f/a.yaml", "/abs/b.json", "f/sub/c.env"} {
			if _, err := c.ForFile(file); err != nil && !strings.HasPrefix(err.Error(), name+": ") {
				t.Fatalf("ForFile(%q) error does not start with the file name: %v", file, err)
			}
		}
	})
}
