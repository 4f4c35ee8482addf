package leak

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"
)

// naiveRedact is the reference: find every occurrence with a plain search, then replace
// leftmost-longest, extending a replaced region by any occurrence that overlaps it and
// reaches further.
func naiveRedact(ps *PatternSet, in []byte) []byte {
	keys := make([][]byte, ps.Matcher().Keys())
	for i := range keys {
		keys[i] = ps.Matcher().Key(i)
	}
	occs := naiveFindAll(keys, in)
	// naiveFindAll sorts by start then key; we need start then length (longest first).
	sortByStartLongest(occs, keys)
	var out []byte
	pos, open := 0, -1
	for _, o := range occs {
		end := o.start + len(keys[o.key])
		if end <= pos {
			continue
		}
		name := ps.Patterns[ps.KeyPatterns(o.key)[0]].Secret
		tag := "[hush:" + ps.Names[name] + "]"
		if o.start < pos {
			if name != open {
				out = append(out, tag...)
			}
		} else {
			out = append(out, in[pos:o.start]...)
			out = append(out, tag...)
		}
		open, pos = name, end
	}
	return append(out, in[pos:]...)
}

func sortByStartLongest(o []occ, keys [][]byte) {
	for i := 1; i < len(o); i++ {
		for j := i; j > 0; j-- {
			a, b := o[j-1], o[j]
			if a.start < b.start || (a.start == b.start && len(keys[a.key]) >= len(keys[b.key])) {
				break
			}
			o[j-1], o[j] = b, a
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

// redactChunks feeds in to a fresh redactor at the given cut points.
func redactChunks(t testing.TB, ps *PatternSet, in []byte, cuts []int) []byte {
	var out bytes.Buffer
	r := NewRedactor(&out, ps)
	r.SetIdleFlush(0)
	prev := 0
	for _, c := range append(cuts, len(in)) {
		if n, err := r.Write(in[prev:c]); err != nil || n != c-prev {
			t.Fatalf("Write: n=%d err=%v", n, err)
		}
		prev = c
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func mustSet(t testing.TB, secrets []Secret, opts Options) *PatternSet {
	ps, err := NewPatternSet(secrets, opts)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// checkSame compares without printing secret material: lengths and the first difference's
// offset only.
func checkSame(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: output differs at byte %d (got %d bytes, want %d)", what, i, len(got), len(want))
	}
}

func TestRedactEveryChunkBoundary(t *testing.T) {
	ps := mustSet(t, []Secret{{"db", []byte("hunter2-the-password")}, {"api", []byte("tok_ABCDEFGHIJKLMNOP")}}, Options{})
	in := []byte("user=admin pass=hunter2-the-password\nAuthorization: Bearer tok_ABCDEFGHIJKLMNOP\nend")
	want := "user=admin pass=[hush:db]\nAuthorization: Bearer [hush:api]\nend"
	checkSame(t, "whole", naiveRedact(ps, in), []byte(want))
	for i := 0; i <= len(in); i++ {
		checkSame(t, fmt.Sprintf("cut at %d", i), redactChunks(t, ps, in, []int{i}), []byte(want))
		for j := i; j <= len(in); j += 3 {
			checkSame(t, fmt.Sprintf("cuts at %d,%d", i, j), redactChunks(t, ps, in, []int{i, j}), []byte(want))
		}
	}
	// One byte at a time.
	var cuts []int
	for i := 1; i < len(in); i++ {
		cuts = append(cuts, i)
	}
	checkSame(t, "byte by byte", redactChunks(t, ps, in, cuts), []byte(want))
}

func TestRedactOverlapAndPrefix(t *testing.T) {
	ps := mustSet(t, []Secret{
		{"short", []byte("abcdefgh")},
		{"long", []byte("abcdefghijkl")},  // "short" is its prefix: the longest wins
		{"right", []byte("ijklmnopqrst")}, // overlaps the end of "long"
		{"inner", []byte("cdefghij")},     // inside "long"
	}, Options{Encodings: []string{"raw"}})
	cases := []struct{ in, want string }{
		{"x abcdefgh y", "x [hush:short] y"},
		{"x abcdefghijkl y", "x [hush:long] y"},
		{"x abcdefghijklmnopqrst y", "x [hush:long][hush:right] y"},
		{"x abcdefghij y", "x [hush:short][hush:inner] y"}, // "inner" runs on past "short"
		{"abcdefgabcdefgh", "abcdefg[hush:short]"},
	}
	for _, c := range cases {
		in := []byte(c.in)
		checkSame(t, c.in+" (naive)", naiveRedact(ps, in), []byte(c.want))
		for i := 0; i <= len(in); i++ {
			checkSame(t, fmt.Sprintf("%s cut at %d", c.in, i), redactChunks(t, ps, in, []int{i}), []byte(c.want))
		}
	}
}

func TestRedactBinaryAndLongLines(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	secrets := benchSecrets(10)
	bin := make([]byte, 32)
	rng.Read(bin)
	secrets = append(secrets, Secret{"binary", bin})
	ps := mustSet(t, secrets, Options{})
	in := make([]byte, 1<<20+12345) // one 1 MiB "line" of random bytes without a newline
	rng.Read(in)
	for i := 0; i < 100; i++ {
		p := ps.Patterns[rng.Intn(len(ps.Patterns))]
		copy(in[rng.Intn(len(in)-len(p.Bytes)):], p.Bytes)
	}
	want := naiveRedact(ps, in)
	for _, step := range []int{1 << 19, 65536, 4093, 777} {
		var cuts []int
		for c := step; c < len(in); c += step {
			cuts = append(cuts, c)
		}
		checkSame(t, fmt.Sprintf("chunks of %d", step), redactChunks(t, ps, in, cuts), want)
	}
	if bytes.Count(want, []byte("[hush:")) < 80 {
		t.Fatalf("too few replacements: %d", bytes.Count(want, []byte("[hush:")))
	}
}

// Output that cannot be the start of a secret is written at once; a possible secret prefix
// is held until the idle flush.
func TestRedactInteractiveFlush(t *testing.T) {
	ps := mustSet(t, []Secret{{"tok", []byte("tok_ABCDEFGHIJKLMNOP")}}, Options{Encodings: []string{"raw"}})
	out := &syncBuffer{}
	r := NewRedactor(out, ps)
	r.SetIdleFlush(20 * time.Millisecond)
	r.Write([]byte("Password: "))
	if got := string(out.Bytes()); got != "Password: " {
		t.Fatalf("prompt held back: %q", got)
	}
	r.Write([]byte("line\ntok_ABC"))
	if got := string(out.Bytes()); got != "Password: line\n" {
		t.Fatalf("after possible prefix: %q", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for string(out.Bytes()) != "Password: line\ntok_ABC" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := string(out.Bytes()); got != "Password: line\ntok_ABC" {
		t.Fatalf("idle flush did not happen: %d bytes", len(got))
	}
	// The rest of a secret cut by a flush is still masked.
	r.Write([]byte("DEFGHIJKLMNOP done"))
	r.Close()
	if got := string(out.Bytes()); !strings.HasSuffix(got, "tok_ABC[hush:tok] done") {
		t.Fatalf("rest after flush: %q", strings.TrimPrefix(got, "Password: line\n"))
	}
	if _, err := r.Write([]byte("x")); err != ErrClosed {
		t.Fatalf("write after close: %v", err)
	}
}

// FuzzRedactor compares the redactor, fed in chunks, with the naive reference. Input: byte 0
// = chunk size, then up to 4 secrets separated by 0x00, then the text.
func FuzzRedactor(f *testing.F) {
	f.Add([]byte("\x03abcdefgh\x00abcdefghijkl\x00ijklmnopqrst\x00\x00xxabcdefghijklmnopqrstyyabcdefgh"))
	f.Add([]byte("\x01aaaaaaaa\x00\x00aaaaaaaaaaaaaaaaaaaaa"))
	f.Add([]byte("\x07secret-value\x00\x00c2VjcmV0LXZhbHVl 736563726574 secret%2Dvalue"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		chunk := 1 + int(data[0]%40)
		rest := data[1:]
		var secrets []Secret
		for len(secrets) < 4 {
			j := bytes.IndexByte(rest, 0)
			if j < 0 {
				break
			}
			v := rest[:j]
			rest = rest[j+1:]
			if len(v) == 0 {
				break
			}
			secrets = append(secrets, Secret{fmt.Sprintf("s%d", len(secrets)), v})
		}
		ps, err := NewPatternSet(secrets, Options{MinLength: 2})
		if err != nil {
			t.Fatal(err)
		}
		var cuts []int
		for c := chunk; c < len(rest); c += chunk {
			cuts = append(cuts, c)
		}
		checkSame(t, "chunked", redactChunks(t, ps, rest, cuts), naiveRedact(ps, rest))
	})
}

// A secret cut by a flush (the idle timer, Flush) at any byte is masked from the cut on when
// the rest arrives, for the longest pattern too (its start is then a whole pattern length
// minus one back, in the context the redactor keeps).
func TestRedactRestAfterFlushAtEveryCut(t *testing.T) {
	secrets := []Secret{{"tok", []byte("tok_ABCDEFGHIJKLMNOP")}, {"long", []byte("correct-horse-battery-staple-0123456789")}}
	ps := mustSet(t, secrets, Options{Encodings: []string{"raw"}})
	for _, s := range secrets {
		for k := 1; k < len(s.Value); k++ {
			out := &syncBuffer{}
			r := NewRedactor(out, ps)
			r.SetIdleFlush(0)
			r.Write(append([]byte("x "), s.Value[:k]...))
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			r.Write(append(append([]byte{}, s.Value[k:]...), " y"...))
			r.Close()
			want := "x " + string(s.Value[:k]) + "[hush:" + s.Name + "] y"
			if got := string(out.Bytes()); got != want {
				t.Fatalf("%s cut at %d: got %d bytes, want %d (the rest masked as [hush:%s])", s.Name, k, len(got), len(want), s.Name)
			}
		}
	}
}
