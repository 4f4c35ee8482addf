package sopsfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fast path must take what sops writes (else it is useless) and agree with the library.
func TestYAMLFastPathTakesSopsFiles(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "fuzzseed", "*.yaml"))
	if len(paths) == 0 {
		t.Fatal("no seed files")
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		_, ok := yamlFastParse(data)
		hasComments := strings.Contains(string(data), "#ENC[")
		if !ok && !hasComments {
			t.Errorf("%s: fast path declined a sops file without comments", p)
		}
		checkYAMLFastPath(t, data)
	}
	docs, err := yamlStore{}.Emit(benchTree(1000))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := yamlFastParse(docs); !ok {
		t.Error("fast path declined the benchmark file")
	}
	checkYAMLFastPath(t, docs)
}

func TestYAMLFastPathAgrees(t *testing.T) {
	for _, in := range []string{
		"a: 1\nb: x\n", "a:\n    b:\n        - 1\n        - x: 1\n          y: 2\n", "a:\n- 1\n- 2\nb: 3\n",
		"a: |\n    line1\n     line2\nb: 2\n", "a: \"2001-12-14\"\nb: 2001-12-14\nc: 0x1F\nd: .inf\ne: ~\nf:\n",
		"a: {}\nb: []\n", "a: yes\nb: on\nc: 3.13.3\nd: -5\ne: 1e3\n", "a: ENC[AES256_GCM,data:x,type:str]\n",
		"a: b: c\n", "a: 1\na: 2\n", "a:\n  - x\n  b: 1\n", "true: 1\n", "a: |\n  x\n\n", "- a\n", "a: 'q'\n",
		"a:  two spaces\n", "a: x # c\n", "a: \"\\t\"\n", "a: x\n  continued\n", "a: |\n  x", "k: -\n",
	} {
		checkYAMLFastPath(t, []byte(in))
	}
}
