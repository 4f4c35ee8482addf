package leak

import (
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
	b.ReportMetric(float64(ps.Len()), "patterns")
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		m.FindAll(text, 0, func(int, int) { n++ })
	}
}

func BenchmarkMatcher1000SecretsAllEncodings(b *testing.B) { benchMatcher(b, nil) }
func BenchmarkMatcher1000SecretsRawHexBase64(b *testing.B) {
	benchMatcher(b, []string{"raw", "hex", "base64"})
}

func BenchmarkRedactor1000Secrets(b *testing.B) {
	ps, err := NewPatternSet(benchSecrets(1000), Options{})
	if err != nil {
		b.Fatal(err)
	}
	text := benchText(16 << 20)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := NewRedactor(io.Discard, ps)
		for off := 0; off < len(text); off += 64 << 10 {
			end := off + 64<<10
			if end > len(text) {
				end = len(text)
			}
			w.Write(text[off:end])
		}
		w.Close()
	}
}
