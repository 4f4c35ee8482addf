package sopsfile

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Store benchmarks on files of 10, 1,000 and 100,000 values (mappings of ten values each,
// mixed types), the sizes hush decrypt is compared with sops on. Results: docs/benchmarks.md.

var benchSizes = []int{10, 1000, 100000}

func benchTree(n int) []Branch {
	b := Branch{}
	for g := 0; g*10 < n; g++ {
		inner := Branch{}
		for i := 0; i < 10 && g*10+i < n; i++ {
			k := "key_" + strconv.Itoa(i)
			var v any
			switch i % 4 {
			case 0:
				v = "value number " + strconv.Itoa(g*10+i)
			case 1:
				v = g*10 + i
			case 2:
				v = float64(g) + 0.5
			default:
				v = i%2 == 0
			}
			inner = append(inner, Item{Key: k, Value: v})
		}
		b = append(b, Item{Key: "group_" + strconv.Itoa(g), Value: inner})
	}
	return []Branch{b}
}

// benchFlat is benchTree flattened to one level (for dotenv).
func benchFlat(n int) []Branch {
	var out Branch
	for _, g := range benchTree(n)[0] {
		for _, it := range g.Value.(Branch) {
			out = append(out, Item{Key: g.Key.(string) + "_" + it.Key.(string), Value: it.Value})
		}
	}
	return []Branch{out}
}

func benchParse(b *testing.B, st Store) {
	tree := benchTree
	if _, flat := st.(dotenvStore); flat {
		tree = benchFlat
	}
	for _, n := range benchSizes {
		data, err := st.Emit(tree(n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := st.Parse(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchEmit(b *testing.B, st Store) {
	for _, n := range benchSizes {
		docs := benchTree(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := st.Emit(docs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseYAML(b *testing.B)   { benchParse(b, yamlStore{}) }
func BenchmarkParseJSON(b *testing.B)   { benchParse(b, jsonStore{}) }
func BenchmarkParseDotenv(b *testing.B) { benchParse(b, dotenvStore{}) }
func BenchmarkEmitYAML(b *testing.B)    { benchEmit(b, yamlStore{}) }
func BenchmarkEmitJSON(b *testing.B)    { benchEmit(b, jsonStore{}) }

// BenchmarkYAMLLibraryPath measures, for comparison in the same run, the library calls sops
// makes for the same work (not sops' code): parse = a duplicate-key pass decoding into a map,
// a node pass, and a Node.Decode per scalar; emit = a Node.Encode per scalar (which encodes
// and re-parses each value) before encoding the document.
func BenchmarkYAMLLibraryPath(b *testing.B) {
	for _, n := range benchSizes {
		data, err := yamlStore{}.Emit(benchTree(n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprint("parse/", n), func(b *testing.B) {
			for b.Loop() {
				var m map[string]any
				if err := yaml.Unmarshal(data, &m); err != nil {
					b.Fatal(err)
				}
				var doc yaml.Node
				if err := yaml.Unmarshal(data, &doc); err != nil {
					b.Fatal(err)
				}
				decodeScalars(&doc)
			}
		})
		docs := benchTree(n)
		b.Run(fmt.Sprint("emit/", n), func(b *testing.B) {
			for b.Loop() {
				root := &yaml.Node{Kind: yaml.MappingNode}
				for _, g := range docs[0] {
					inner := &yaml.Node{Kind: yaml.MappingNode}
					for _, it := range g.Value.(Branch) {
						k, v := &yaml.Node{}, &yaml.Node{}
						_ = k.Encode(it.Key)
						_ = v.Encode(it.Value)
						inner.Content = append(inner.Content, k, v)
					}
					k := &yaml.Node{}
					_ = k.Encode(g.Key)
					root.Content = append(root.Content, k, inner)
				}
				var buf bytes.Buffer
				enc := yaml.NewEncoder(&buf)
				enc.SetIndent(4)
				if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
					b.Fatal(err)
				}
				enc.Close()
			}
		})
	}
}

func decodeScalars(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		var v any
		_ = n.Decode(&v)
		return
	}
	for _, c := range n.Content {
		decodeScalars(c)
	}
}

// encTree is benchTree with every value an ENC[...] string of sops' length, as hush decrypt
// parses it.
func encTree(n int) []Branch {
	docs := benchTree(n)
	for _, g := range docs[0] {
		inner := g.Value.(Branch)
		for i := range inner {
			inner[i].Value = "ENC[AES256_GCM,data:q83vEjRWeJA=,iv:3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:ASNFZ4mrze8BI0VniavN7w==,type:str]"
		}
	}
	return docs
}

// BenchmarkParseYAMLEncrypted: the fast reader against the library path on sops-shaped files.
func BenchmarkParseYAMLEncrypted(b *testing.B) {
	for _, n := range benchSizes {
		data, err := yamlStore{}.Emit(encTree(n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprint("fast/", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, ok := yamlFastParse(data); !ok {
					b.Fatal("fast path declined")
				}
			}
		})
		b.Run(fmt.Sprint("library/", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := yamlParseLibrary(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
