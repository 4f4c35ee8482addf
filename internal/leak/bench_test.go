package leak

import (
	"fmt"
	"io"
	"math/rand"
	"testing"
)

// benchSecrets are n random secrets of 20-40 characters, like API tokens and passwords.
func benchSecrets(n int) []Secret {
	rng := rand.New(rand.NewSource(42))
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	out := make([]Secret, n)
	for i := range out {
		v := make([]byte, 20+rng.Intn(21))
		for j := range v {
			v[j] = alnum[rng.Intn(len(alnum))]
		}
		out[i] = Secret{Name: "s" + string(rune('a'+i%26)), Value: v}
	}
	return out
}

// benchText is half text (words and lines), half random bytes.
func benchText(size int) []byte {
	rng := rand.New(rand.NewSource(7))
	words := []string{"the", "store", "path", "derivation", "build", "output", "nix", "hash", "error:", "warning", "lib", "--prefix=/nix/store/", "\n", "0.1.2", "copying", "configure"}
	b := make([]byte, 0, size)
	for len(b) < size/2 {
		b = append(b, words[rng.Intn(len(words))]...)
		b = append(b, ' ')
	}
	r := make([]byte, size-len(b))
	rng.Read(r)
	return append(b, r...)
}

func benchMatcher(b *testing.B, encodings []string) {
	ps, err := NewPatternSet(benchSecrets(1000), Options{Encodings: encodings})
	if err != nil {
		b.Fatal(err)
	}
	text := benchText(16 << 20)
	m := ps.Matcher()
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		m.FindAll(text, 0, func(int, int) { n++ })
	}
	b.ReportMetric(float64(ps.Len()), "patterns")
}

func BenchmarkMatcher1000SecretsAllEncodings(b *testing.B) { benchMatcher(b, nil) }
func BenchmarkMatcher1000SecretsRawHexBase64(b *testing.B) {
	benchMatcher(b, []string{"raw", "hex", "base64"})
}

func BenchmarkRedactor1000Secrets(b *testing.B) {
	for _, size := range []int{4 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("writes=%dKiB", size>>10), func(b *testing.B) { benchRedactor(b, size) })
	}
}

func benchRedactor(b *testing.B, size int) {
	ps, err := NewPatternSet(benchSecrets(1000), Options{})
	if err != nil {
		b.Fatal(err)
	}
	text := benchText(16 << 20)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := NewRedactor(io.Discard, ps)
		for off := 0; off < len(text); off += size {
			end := off + size
			if end > len(text) {
				end = len(text)
			}
			w.Write(text[off:end])
		}
		w.Close()
	}
}

// acDFA is a plain Aho-Corasick automaton compiled to a dense DFA (one 256-entry row per
// state), kept here only as the benchmark's yardstick for the matcher choice.
type acDFA struct {
	next []int32 // state*256 + byte -> state
	out  []bool  // state ends some key (directly or through its suffix links)
}

func newACDFA(keys [][]byte) *acDFA {
	a := &acDFA{next: make([]int32, 256), out: []bool{false}}
	for _, k := range keys {
		s := int32(0)
		for _, c := range k {
			if a.next[int(s)*256+int(c)] == 0 {
				a.next = append(a.next, make([]int32, 256)...)
				a.out = append(a.out, false)
				a.next[int(s)*256+int(c)] = int32(len(a.out) - 1)
			}
			s = a.next[int(s)*256+int(c)]
		}
		a.out[s] = true
	}
	fail := make([]int32, len(a.out))
	var queue []int32
	for c := 0; c < 256; c++ {
		if t := a.next[c]; t != 0 {
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		a.out[s] = a.out[s] || a.out[fail[s]]
		for c := 0; c < 256; c++ {
			t := a.next[int(s)*256+c]
			if t != 0 {
				fail[t] = a.next[int(fail[s])*256+c]
				queue = append(queue, t)
			} else {
				a.next[int(s)*256+c] = a.next[int(fail[s])*256+c]
			}
		}
	}
	return a
}

func (a *acDFA) count(text []byte) int {
	n, s := 0, int32(0)
	for _, c := range text {
		s = a.next[int(s)*256+int(c)]
		if a.out[s] {
			n++
		}
	}
	return n
}

// BenchmarkAhoCorasickDFA1000SecretsRaw is the yardstick: 1,000 raw values only (the dense
// table of all encodings would take gigabytes).
func BenchmarkAhoCorasickDFA1000SecretsRaw(b *testing.B) {
	var keys [][]byte
	for _, s := range benchSecrets(1000) {
		keys = append(keys, s.Value)
	}
	a := newACDFA(keys)
	text := benchText(16 << 20)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.count(text)
	}
	b.ReportMetric(float64(len(a.out)), "states")
}

func BenchmarkMatcher1000SecretsRaw(b *testing.B) { benchMatcher(b, []string{"raw"}) }

// The yardstick itself must be right: it agrees with the naive search.
func TestACDFAYardstick(t *testing.T) {
	keys, text := randomCase(rand.New(rand.NewSource(9)), 20, 3, 12, 5000, "abc")
	if got, want := newACDFA(keys).count(text), len(naiveFindAll(keys, text)); got > want || (want > 0 && got == 0) {
		t.Fatalf("AC positions %d, naive occurrences %d", got, want)
	}
}
