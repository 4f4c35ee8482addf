package sopsfile

import (
	"fmt"
	"math/rand/v2"
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

func TestYAMLFastEmitAgrees(t *testing.T) {
	trees := [][]Branch{benchTree(100), encTree(50)}
	for _, fx := range yamlFixtures {
		docs, err := yamlStore{}.Parse([]byte(fx.plain))
		if err != nil {
			t.Fatal(err)
		}
		trees = append(trees, docs, dropInline(docs).([]Branch))
	}
	paths, _ := filepath.Glob(filepath.Join("testdata", "fuzzseed", "*.yaml"))
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		docs, err := yamlStore{}.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := yamlFastEmit(docs); !ok && !strings.Contains(string(data), "#ENC[") {
			t.Errorf("%s: fast writer declined a sops file without comments", p)
		}
		trees = append(trees, docs)
	}
	trees = append(trees,
		[]Branch{{{Key: "a", Value: []any{Branch{{Key: "b", Value: Branch{{Key: "c", Value: 1}}}, {Key: "l", Value: []any{"x"}}, {Key: "m", Value: "x\ny\n"}}}}}},
		[]Branch{{{Key: "s", Value: []any{"", "y", "1:20", "123", "true", "null", "a b", "-x", "ENC[x]", 1.5, -0.0, 1e21, nil}}}},
		[]Branch{{{Key: "e", Value: Branch{}}, {Key: "l", Value: []any{}}, {Key: "x", Value: []any{Branch{}, []any{}}}}, {}},
	)
	for i, docs := range trees {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkYAMLFastEmit(t, docs) })
	}
}

// Random trees over edge-case keys and values: the fast writer, whenever it takes one,
// must write the library's bytes, and the fast reader must read them back as the library.
func TestYAMLFastRandomTrees(t *testing.T) {
	words := []string{"a", "key", "y", "no", "-", "-x", "a: b", "a:b", "#c", "a #c", " lead", "trail ", "", "~", "null",
		"true", "1", "-1", "1.5", "1e3", "0x1F", "1:20", "2001-12-14", "ENC[AES256_GCM,data:x,type:str]", "---x", "...",
		"x\ny\n", "x\n", "\n", "x\ny", "x\n\ny\n", " x\n", "x \ny\n", "é", "grüße-0-世界", "\u00a0x", "x\u00a0", "🔑", "a\u2028b", "\ufeffx", "a\u0085b", "日本\n語\n", "a\"b", "a\\b", "{}", "[x]", "?x", "? x", "%x", "@x",
		strings.Repeat("k", 129)}
	rng := rand.New(rand.NewPCG(uint64(len(words)), 2))
	var value func(depth int) any
	value = func(depth int) any {
		switch r := rng.IntN(10); {
		case depth < 3 && r < 2:
			b := Branch{}
			for range rng.IntN(4) {
				b = append(b, Item{Key: words[rng.IntN(len(words))], Value: value(depth + 1)})
			}
			return b
		case depth < 3 && r < 4:
			var l []any
			for range rng.IntN(4) {
				l = append(l, value(depth+1))
			}
			return l
		case r < 5:
			return []any{1, 2.5, true, nil, -0.0}[rng.IntN(5)]
		}
		return words[rng.IntN(len(words))]
	}
	accepted := 0
	for i := 0; i < 30000; i++ {
		doc := Branch{}
		seen := map[string]bool{}
		for range 1 + rng.IntN(4) {
			k := words[rng.IntN(len(words))]
			if !seen[k] {
				seen[k] = true
				doc = append(doc, Item{Key: k, Value: value(0)})
			}
		}
		docs := []Branch{doc}
		if out, ok := yamlFastEmit(docs); ok {
			accepted++
			checkYAMLFastEmit(t, docs)
			checkYAMLFastPath(t, out)
		}
		if t.Failed() {
			t.Fatalf("tree %d: %#v", i, docs)
		}
	}
	if accepted < 500 {
		t.Errorf("fast writer took only %d of 30000 trees", accepted)
	}
}
