package leak

import (
	"bytes"
	"io"
	"math/rand"
	"sort"
	"testing"
	"testing/iotest"
)

func naiveFindAll(keys [][]byte, buf []byte) []occ {
	var out []occ
	for ki, k := range keys {
		if len(k) == 0 {
			continue
		}
		for s := 0; s+len(k) <= len(buf); s++ {
			if bytes.Equal(buf[s:s+len(k)], k) {
				out = append(out, occ{ki, s})
			}
		}
	}
	sortOccs(out)
	return out
}

func sortOccs(o []occ) {
	sort.Slice(o, func(i, j int) bool {
		if o[i].start != o[j].start {
			return o[i].start < o[j].start
		}
		return o[i].key < o[j].key
	})
}

// The stream tests below give ScanReader work buffers only a few bytes larger than its
// carried-over context, so that it refills (and carries) every few bytes, not once per MiB.
func init() { minScanRoom = 1 }

// smallWork is a ScanReader work buffer with room for n new bytes per refill.
func smallWork(m *Matcher, n int) []byte { return make([]byte, 2*m.MaxLen()+n) }

func matcherFindAll(m *Matcher, buf []byte) []occ {
	var out []occ
	m.FindAll(buf, 0, func(k, s int) { out = append(out, occ{k, s}) })
	sortOccs(out)
	return out
}

func streamFindAll(t testing.TB, m *Matcher, buf []byte, chunk int, work []byte) []occ {
	var out []occ
	r := iotest.OneByteReader(bytes.NewReader(buf))
	if chunk > 1 {
		r = &chunkReader{data: buf, n: chunk}
	}
	n, err := m.ScanReader(r, work, func(k int, off int64) { out = append(out, occ{k, int(off)}) })
	if err != nil || n != int64(len(buf)) {
		t.Fatalf("ScanReader: n=%d err=%v", n, err)
	}
	sortOccs(out)
	return out
}

type chunkReader struct {
	data []byte
	n    int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.data == nil {
		return 0, io.EOF
	}
	n := c.n
	if n > len(p) {
		n = len(p)
	}
	if n > len(c.data) {
		n = len(c.data)
	}
	copy(p, c.data[:n])
	c.data = c.data[n:]
	if len(c.data) == 0 {
		c.data = nil
		return n, nil
	}
	return n, nil
}

func equalOccs(a, b []occ) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// randomCase builds keys over a small alphabet (so that they overlap and repeat) and a text
// that contains some of them.
func randomCase(rng *rand.Rand, nkeys, minLen, maxLen, textLen int, alphabet string) ([][]byte, []byte) {
	keys := make([][]byte, nkeys)
	for i := range keys {
		n := minLen + rng.Intn(maxLen-minLen+1)
		k := make([]byte, n)
		for j := range k {
			k[j] = alphabet[rng.Intn(len(alphabet))]
		}
		keys[i] = k
	}
	text := make([]byte, textLen)
	for j := range text {
		text[j] = alphabet[rng.Intn(len(alphabet))]
	}
	for i := 0; i < nkeys && textLen > 0; i++ {
		k := keys[rng.Intn(nkeys)]
		if len(k) <= textLen {
			copy(text[rng.Intn(textLen-len(k)+1):], k)
		}
	}
	return keys, text
}

func TestMatcherAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for iter := 0; iter < 400; iter++ {
		minLen := 1 + rng.Intn(20)
		alphabet := "ab"
		if iter%3 == 0 {
			alphabet = "abcdefgh\x00\xff"
		}
		keys, text := randomCase(rng, 1+rng.Intn(30), minLen, minLen+rng.Intn(40), rng.Intn(600), alphabet)
		m := NewMatcher(keys)
		want := naiveFindAll(keys, text)
		if got := matcherFindAll(m, text); !equalOccs(got, want) {
			t.Fatalf("iter %d: FindAll found %d, naive %d", iter, len(got), len(want))
		}
		for _, chunk := range []int{1, 2, 7, 64} {
			for _, room := range []int{1, 3, 4096} {
				if got := streamFindAll(t, m, text, chunk, smallWork(m, room)); !equalOccs(got, want) {
					t.Fatalf("iter %d chunk %d room %d: stream found %d, naive %d", iter, chunk, room, len(got), len(want))
				}
			}
		}
	}
}

// Matches across the boundary of ScanReader's own buffer refills (work buffer barely larger
// than needed, text much longer).
func TestMatcherStreamBufferBoundaries(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	keys, text := randomCase(rng, 50, 10, 60, 300000, "abc")
	m := NewMatcher(keys)
	want := naiveFindAll(keys, text)
	for _, work := range [][]byte{nil, smallWork(m, 4096), smallWork(m, 1)} {
		if got := streamFindAll(t, m, text, 100000, work); !equalOccs(got, want) {
			t.Fatalf("work buffer %d: found %d, naive %d", len(work), len(got), len(want))
		}
	}
}

func TestMatcherEmpty(t *testing.T) {
	m := NewMatcher(nil)
	m.FindAll([]byte("anything"), 0, func(int, int) { t.Fatal("match in empty matcher") })
	if n, err := m.ScanReader(bytes.NewReader([]byte("abc")), nil, func(int, int64) {}); n != 3 || err != nil {
		t.Fatalf("n=%d err=%v", n, err)
	}
}

// FuzzMatcher checks the matcher, whole and streamed in chunks, against the naive search.
// Input: first byte = number of keys, second = chunk size, then keys separated by 0x00 (the
// rest is the text).
func FuzzMatcher(f *testing.F) {
	f.Add([]byte("\x02\x03abcdefgh\x00bcdefghi\x00xxabcdefghixx"))
	f.Add([]byte("\x01\x01aaaa\x00aaaaaaaaaa"))
	f.Add([]byte("\x03\x05secret-one\x00one-secret\x00cret-on\x00..secret-one-secret.."))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		nk, chunk := int(data[0]%16), 1+int(data[1]%32)
		rest := data[2:]
		var keys [][]byte
		for i := 0; i < nk; i++ {
			j := bytes.IndexByte(rest, 0)
			if j < 0 {
				break
			}
			keys = append(keys, rest[:j])
			rest = rest[j+1:]
		}
		m := NewMatcher(keys)
		want := naiveFindAll(keys, rest)
		if got := matcherFindAll(m, rest); !equalOccs(got, want) {
			t.Fatalf("FindAll found %d, naive %d", len(got), len(want))
		}
		// The work buffer's room (1..8 bytes) makes ScanReader refill and carry at every
		// position class of the text.
		room := 1 + int(data[1]>>5)
		if got := streamFindAll(t, m, rest, chunk, smallWork(m, room)); !equalOccs(got, want) {
			t.Fatalf("stream (chunk %d, room %d) found %d, naive %d", chunk, room, len(got), len(want))
		}
	})
}
