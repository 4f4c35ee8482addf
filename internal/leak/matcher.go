package leak

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/bits"
)

// Matcher finds every occurrence of a fixed set of byte strings (keys) in one pass.
//
// It is a sampled q-gram filter with exact verification, chosen over Aho-Corasick by
// benchmark (see docs/benchmarks.md): every key is at least m bytes long, so any occurrence
// covers one of the text positions p = 0, k, 2k, ... (k = m-q+1) together with the q bytes
// that follow it. The matcher looks only at those positions: it hashes the q-gram there and
// tests one bit of a small bitmap that holds the q-grams of every key at offsets 0..k-1.
// The rare hits are checked against the candidate keys byte by byte. The lookups do not
// depend on each other (unlike an automaton's state chain), so the CPU overlaps them, and with
// the key lengths of real secrets (m around 20) the matcher touches one position in 13.
//
// A Matcher is immutable and safe for concurrent use.
type Matcher struct {
	keys           [][]byte
	minLen, maxLen int
	q, k           int
	mask           uint64

	bitmap  []uint64
	bshift  uint
	cstart  []uint32
	cshift  uint
	entries []gramEntry
}

type gramEntry struct {
	gram uint64
	key  uint32
	off  uint32
}

const gramMul = 0x9E3779B97F4A7C15

// maxFilterLen caps the m used for the stride: beyond it more entries cost more than the
// longer stride saves.
const maxFilterLen = 32

// NewMatcher compiles keys. Empty keys are ignored; duplicates are the caller's business
// (PatternSet removes them).
func NewMatcher(keys [][]byte) *Matcher {
	m := &Matcher{keys: keys}
	for _, key := range keys {
		if len(key) == 0 {
			continue
		}
		if m.minLen == 0 || len(key) < m.minLen {
			m.minLen = len(key)
		}
		if len(key) > m.maxLen {
			m.maxLen = len(key)
		}
	}
	if m.maxLen == 0 {
		return m
	}
	mm := m.minLen
	if mm > maxFilterLen {
		mm = maxFilterLen
	}
	m.q = mm / 2
	if m.q < 4 {
		m.q = 4
	}
	if m.q > 8 {
		m.q = 8
	}
	if m.q > mm {
		m.q = mm
	}
	m.k = mm - m.q + 1
	m.mask = ^uint64(0) >> (64 - 8*uint(m.q))

	for ki, key := range keys {
		if len(key) == 0 {
			continue
		}
		for off := 0; off < m.k; off++ {
			m.entries = append(m.entries, gramEntry{gram: loadGram(key[off:], m.q), key: uint32(ki), off: uint32(off)})
		}
	}
	g := len(m.entries)
	bbits := clampBits(bits.Len(uint(g*32)), 12, 23)
	m.bitmap = make([]uint64, (1<<bbits)/64)
	m.bshift = uint(32 - bbits)
	cbits := clampBits(bits.Len(uint(g)), 4, 24)
	m.cshift = uint(32 - cbits)
	m.cstart = make([]uint32, (1<<cbits)+1)
	for _, e := range m.entries {
		h := gramHash(e.gram)
		bi := h >> m.bshift
		m.bitmap[bi>>6] |= 1 << (bi & 63)
		m.cstart[(h>>m.cshift)+1]++
	}
	for i := 1; i < len(m.cstart); i++ {
		m.cstart[i] += m.cstart[i-1]
	}
	sorted := make([]gramEntry, len(m.entries))
	next := append([]uint32(nil), m.cstart...)
	for _, e := range m.entries {
		c := gramHash(e.gram) >> m.cshift
		sorted[next[c]] = e
		next[c]++
	}
	m.entries = sorted
	return m
}

func clampBits(b, lo, hi int) int {
	if b < lo {
		return lo
	}
	if b > hi {
		return hi
	}
	return b
}

func gramHash(g uint64) uint32 { return uint32((g * gramMul) >> 32) }

// loadGram reads the first q bytes of b (len(b) >= q) as a little-endian integer.
func loadGram(b []byte, q int) uint64 {
	if len(b) >= 8 {
		return binary.LittleEndian.Uint64(b) & (^uint64(0) >> (64 - 8*uint(q)))
	}
	var t [8]byte
	copy(t[:], b[:q])
	return binary.LittleEndian.Uint64(t[:])
}

// Keys returns the number of keys.
func (m *Matcher) Keys() int { return len(m.keys) }

// Key returns key k's bytes (secret material).
func (m *Matcher) Key(k int) []byte { return m.keys[k] }

// MaxLen is the length of the longest key: a stream must keep MaxLen-1 bytes of context.
func (m *Matcher) MaxLen() int { return m.maxLen }

// FindAll calls fn(key, start) for every occurrence of every key in buf that ends after
// buf[from] (from = 0: all of them; a stream passes the length of its carried-over context,
// whose own matches it reported before). Occurrences may overlap; they come in no defined
// order.
func (m *Matcher) FindAll(buf []byte, from int, fn func(key, start int)) {
	if m.maxLen == 0 || len(buf) < m.minLen {
		return
	}
	k, q := m.k, m.q
	// An occurrence that ends after from starts at or after from-maxLen+1; start at the
	// multiple of k at or below that, so the sampled positions stay those of the whole buffer.
	p := from - m.maxLen + 1
	if p < 0 {
		p = 0
	}
	p -= p % k
	mask, bitmap, bshift := m.mask, m.bitmap, m.bshift
	for fast := len(buf) - 8; p <= fast; p += k {
		g := binary.LittleEndian.Uint64(buf[p:]) & mask
		h := gramHash(g)
		bi := h >> bshift
		if bitmap[bi>>6]&(1<<(bi&63)) != 0 {
			m.verify(buf, from, p, g, h, fn)
		}
	}
	for last := len(buf) - q; p <= last; p += k {
		g := loadGram(buf[p:], q)
		h := gramHash(g)
		bi := h >> bshift
		if bitmap[bi>>6]&(1<<(bi&63)) != 0 {
			m.verify(buf, from, p, g, h, fn)
		}
	}
}

func (m *Matcher) verify(buf []byte, from, p int, g uint64, h uint32, fn func(key, start int)) {
	c := h >> m.cshift
	for _, e := range m.entries[m.cstart[c]:m.cstart[c+1]] {
		if e.gram != g {
			continue
		}
		s := p - int(e.off)
		key := m.keys[e.key]
		end := s + len(key)
		if s < 0 || end > len(buf) || end <= from {
			continue
		}
		if bytes.Equal(buf[s:end], key) {
			fn(int(e.key), s)
		}
	}
}

// minScanRoom is the least room for new bytes a ScanReader work buffer must have beyond the
// carried-over context; a variable so that the tests can force a refill every few bytes.
var minScanRoom = 4096

// ScanReader reads r to the end and calls fn(key, offset) for every occurrence, offset
// counted from the start of the stream, so occurrences across read boundaries are found.
// buf is the caller's reusable work buffer (nil: one is allocated); it returns the number of
// bytes read.
func (m *Matcher) ScanReader(r io.Reader, buf []byte, fn func(key int, offset int64)) (int64, error) {
	keep := m.maxLen - 1
	if keep < 0 {
		keep = 0
	}
	if len(buf) < 2*keep+minScanRoom {
		buf = make([]byte, 2*keep+1<<20)
	}
	var base int64 // stream offset of buf[0]
	carry := 0
	for {
		n, err := io.ReadFull(r, buf[carry:])
		total := carry + n
		if n > 0 {
			m.FindAll(buf[:total], carry, func(key, start int) { fn(key, base+int64(start)) })
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return base + int64(total), nil
		}
		if err != nil {
			return base + int64(total), err
		}
		c := keep
		if c > total {
			c = total
		}
		copy(buf, buf[total-c:total])
		base += int64(total - c)
		carry = c
	}
}
