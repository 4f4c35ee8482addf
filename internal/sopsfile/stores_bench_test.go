package sopsfile

import (
	"fmt"
	"strconv"
	"testing"
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

func benchParse(b *testing.B, st Store) {
	for _, n := range benchSizes {
		data, err := st.Emit(benchTree(n))
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
