// Command scangen writes the corpus of bench/scan.sh: a tree of 1 MiB files (half text, half
// random bytes), 1,000 throwaway secrets (values.txt, for hush), the same secrets' raw, hex
// and base64 forms (patterns.txt, for rg -f and perl), a few planted leaks, and a text
// stream for the redaction benchmark. Everything is deterministic (fixed seed).
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", "bench/out/scan", "output directory")
	mib := flag.Int("mib", 512, "tree size in MiB (1 MiB files)")
	nsec := flag.Int("secrets", 1000, "number of secrets")
	redactMiB := flag.Int("redact-mib", 256, "size of the redaction input in MiB")
	flag.Parse()

	stamp := fmt.Sprintf("scangen v1 mib=%d secrets=%d redact=%d\n", *mib, *nsec, *redactMiB)
	if old, err := os.ReadFile(filepath.Join(*out, "stamp")); err == nil && string(old) == stamp {
		return // already generated with these parameters
	}
	if err := os.RemoveAll(*out); err != nil {
		log.Fatal(err)
	}
	tree := filepath.Join(*out, "tree")
	must(os.MkdirAll(tree, 0o755))
	rng := rand.New(rand.NewSource(2026))

	const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/=!@#%"
	secrets := make([]string, *nsec)
	var values, patterns strings.Builder
	for i := range secrets {
		b := make([]byte, 16+rng.Intn(33))
		for j := range b {
			b[j] = charset[rng.Intn(len(charset))]
		}
		s := string(b)
		secrets[i] = s
		values.WriteString(s + "\n")
		h := hex.EncodeToString(b)
		for _, p := range []string{s, h, strings.ToUpper(h), base64.StdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b)} {
			patterns.WriteString(p + "\n")
		}
	}
	must(os.WriteFile(filepath.Join(*out, "values.txt"), []byte(values.String()), 0o600))
	must(os.WriteFile(filepath.Join(*out, "patterns.txt"), []byte(patterns.String()), 0o600))

	// Planted leaks: raw, hex and base64 in text files, raw and base64 in binary files.
	plant := map[int]string{
		3:          secrets[1],
		17:         hex.EncodeToString([]byte(secrets[2])),
		42:         base64.StdEncoding.EncodeToString([]byte(secrets[3])),
		*mib/2 + 5: secrets[4],
		*mib/2 + 9: base64.StdEncoding.EncodeToString([]byte(secrets[5])),
	}
	buf := make([]byte, 1<<20)
	for i := 0; i < *mib; i++ {
		var name string
		if i < *mib/2 {
			name = fmt.Sprintf("text-%04d.log", i)
			fillText(rng, buf)
		} else {
			name = fmt.Sprintf("bin-%04d.dat", i)
			rng.Read(buf)
		}
		if p, ok := plant[i]; ok {
			copy(buf[rng.Intn(len(buf)-len(p)):], p)
		}
		must(os.WriteFile(filepath.Join(tree, name), buf, 0o644))
	}

	f, err := os.Create(filepath.Join(*out, "redact-input.txt"))
	must(err)
	w := bufio.NewWriterSize(f, 1<<20)
	for i := 0; i < *redactMiB; i++ {
		fillText(rng, buf)
		// About one secret (in some form) per 64 KiB, as a chatty build log might have.
		for j := 0; j < 16; j++ {
			s := secrets[rng.Intn(len(secrets))]
			if j%2 == 1 {
				s = base64.StdEncoding.EncodeToString([]byte(s))
			}
			copy(buf[rng.Intn(len(buf)-len(s)):], s)
		}
		w.Write(buf)
	}
	must(w.Flush())
	must(f.Close())
	must(os.WriteFile(filepath.Join(*out, "stamp"), []byte(stamp), 0o644))
}

var words = strings.Fields(`the a to of and in is for on with building configure make install
checking whether gcc works yes no error: warning: note: copying path from store nix derivation
output /nix/store/ lib bin share include -O2 -fPIC -Wall CFLAGS LDFLAGS --prefix= patching
source unpacking phase fixupPhase installPhase 0.1.2 1.0 2.38 x86_64-linux ok done test passed
failed substituting sha256 hash mismatch Running phase: buildPhase @nix { "action": "start" }`)

// fillText writes build-log-like lines: words, store-path hashes and numbers.
func fillText(rng *rand.Rand, buf []byte) {
	const b32 = "0123456789abcdfghijklmnpqrsvwxyz"
	i := 0
	for i < len(buf) {
		var tok string
		switch r := rng.Intn(20); {
		case r == 0:
			h := make([]byte, 32)
			for j := range h {
				h[j] = b32[rng.Intn(len(b32))]
			}
			tok = "/nix/store/" + string(h) + "-pkg-1.0"
		case r == 1:
			tok = fmt.Sprint(rng.Intn(100000))
		case r == 2:
			tok = "\n"
		default:
			tok = words[rng.Intn(len(words))]
		}
		i += copy(buf[i:], tok)
		if i < len(buf) {
			buf[i] = ' '
			i++
		}
	}
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
