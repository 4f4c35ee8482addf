package leak

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hush-nix/hush/internal/nixstore"
)

// DefaultMinLength is the shortest secret value scanned by default. Shorter values match
// too much ordinary data to be worth reporting (and are listed as unscannable instead).
const DefaultMinLength = 8

// minLineLength is the shortest line of a multi-line secret that becomes a pattern of its own.
// PEM bodies have 64-character lines; short lines (and the "-----BEGIN" armour) are common
// text, not secret material.
const minLineLength = 20

// Secret is one named value to look for. Value is secret material: never print it.
type Secret struct {
	Name  string
	Value []byte
}

// Encoding names, as findings report them. "+1" and "+2" mean the secret starts one or two
// bytes after a 3-byte boundary of the encoded data, i.e. it sits inside a larger base64 blob.
const (
	EncRaw          = "raw"
	EncBase64       = "base64"
	EncBase64Off1   = "base64+1"
	EncBase64Off2   = "base64+2"
	EncBase64URL    = "base64url"
	EncBase64URL1   = "base64url+1"
	EncBase64URL2   = "base64url+2"
	EncHex          = "hex"
	EncHexUpper     = "HEX"
	EncPercent      = "percent"
	EncPercentQuery = "percent-query"
	EncJSON         = "json"
	EncNix          = "nix-string"
	EncATerm        = "drv-string"
	EncLinePrefix   = "line " // followed by the 1-based line number
)

// Encoding families, for Options.Encodings.
var families = []string{"raw", "base64", "base64url", "hex", "percent", "json", "nix", "lines"}

// Options tunes which patterns a set holds.
type Options struct {
	// MinLength is the shortest value scanned (DefaultMinLength when 0).
	MinLength int
	// Encodings restricts the families generated ("raw", "base64", "base64url", "hex",
	// "percent", "json", "nix", "lines"); empty means all.
	Encodings []string
}

// Pattern is one byte string to look for: a form of one secret.
type Pattern struct {
	Secret   int    // index into PatternSet.Secrets
	Encoding string // one of the Enc* names, or "line N"
	Bytes    []byte // secret material
}

// PatternSet is every pattern of a list of secrets. It is immutable once built and safe for
// concurrent use.
type PatternSet struct {
	Names       []string  // secret names, by index
	Patterns    []Pattern // deduplicated per secret (same bytes under two names kept once)
	Unscannable []string  // names of secrets shorter than the minimum length
	MinLength   int

	matcher *Matcher
	keys    [][]int // matcher key -> pattern indices with those exact bytes
	sorted  [][]byte
	first   [256]bool    // first bytes of patterns
	pairs   [1024]uint64 // first two bytes of patterns, as a bitset
}

// NewPatternSet derives the patterns of secrets. It fails only on bad options.
func NewPatternSet(secrets []Secret, opts Options) (*PatternSet, error) {
	min := opts.MinLength
	if min <= 0 {
		min = DefaultMinLength
	}
	want := map[string]bool{}
	for _, f := range opts.Encodings {
		f = strings.TrimSpace(strings.ToLower(f))
		if f == "" {
			continue
		}
		ok := false
		for _, g := range families {
			ok = ok || g == f
		}
		if !ok {
			return nil, fmt.Errorf("unknown encoding %q (want one of %s)", f, strings.Join(families, ", "))
		}
		want[f] = true
	}
	on := func(f string) bool { return len(want) == 0 || want[f] }

	ps := &PatternSet{MinLength: min}
	for _, s := range secrets {
		idx := len(ps.Names)
		ps.Names = append(ps.Names, s.Name)
		if len(s.Value) < min {
			ps.Unscannable = append(ps.Unscannable, s.Name)
			continue
		}
		seen := map[string]bool{}
		add := func(enc string, b []byte) {
			if len(b) < min || seen[string(b)] {
				return
			}
			seen[string(b)] = true
			ps.Patterns = append(ps.Patterns, Pattern{Secret: idx, Encoding: enc, Bytes: b})
		}
		v := s.Value
		if on("raw") {
			add(EncRaw, v)
		}
		if on("base64") {
			addBase64(add, base64.StdEncoding, v, EncBase64, EncBase64Off1, EncBase64Off2)
		}
		if on("base64url") {
			addBase64(add, base64.URLEncoding, v, EncBase64URL, EncBase64URL1, EncBase64URL2)
		}
		if on("hex") {
			h := hex.EncodeToString(v)
			add(EncHex, []byte(h))
			add(EncHexUpper, []byte(strings.ToUpper(h)))
		}
		if on("percent") {
			add(EncPercent, percentEncode(v, false))
			add(EncPercentQuery, percentEncode(v, true))
		}
		// The .drv form first: where the escaped forms coincide, a finding in a .drv file
		// is then named for what it is.
		if on("nix") {
			add(EncATerm, atermEscape(v))
		}
		if on("json") && utf8.Valid(v) {
			j := jsonEscape(v)
			add(EncJSON, j)
			// Go's encoding/json also escapes <, > and &; PHP's json_encode escapes '/'.
			add(EncJSON, htmlSafeJSON(j))
			add(EncJSON, bytes.ReplaceAll(j, []byte("/"), []byte(`\/`)))
		}
		if on("nix") {
			add(EncNix, nixEscape(v))
		}
		if on("lines") && bytes.IndexByte(v, '\n') >= 0 {
			for i, line := range bytes.Split(v, []byte("\n")) {
				line = bytes.TrimSpace(line)
				if len(line) < minLineLength || len(line) < min || bytes.HasPrefix(line, []byte("-----")) {
					continue
				}
				add(fmt.Sprintf("%s%d", EncLinePrefix, i+1), line)
			}
		}
	}
	ps.build()
	return ps, nil
}

// addBase64 adds the complete encodings (padded and not) and, for each of the three byte
// alignments, the characters that do not depend on the bytes around the secret.
func addBase64(add func(string, []byte), enc *base64.Encoding, v []byte, names ...string) {
	add(names[0], []byte(enc.EncodeToString(v)))
	add(names[0], []byte(enc.WithPadding(base64.NoPadding).EncodeToString(v)))
	for k := 0; k < 3; k++ {
		buf := make([]byte, k+len(v))
		copy(buf[k:], v)
		e := enc.WithPadding(base64.NoPadding).EncodeToString(buf)
		// Character i holds bits [6i, 6i+6); it is stable when all of them come from v.
		from := (8*k + 5) / 6
		to := 8 * (k + len(v)) / 6
		if to > len(e) {
			to = len(e)
		}
		if from < to {
			add(names[k], []byte(e[from:to]))
		}
	}
}

// percentEncode escapes every byte outside RFC 3986's unreserved set as %XX; query form
// writes a space as '+' (application/x-www-form-urlencoded).
func percentEncode(v []byte, query bool) []byte {
	const hexUpper = "0123456789ABCDEF"
	var b []byte
	for _, c := range v {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b = append(b, c)
		case query && c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
		}
	}
	return b
}

// jsonEscape is the body of a JSON string as common encoders (and builtins.toJSON) write it:
// quote, backslash and control characters escaped, nothing else.
func jsonEscape(v []byte) []byte {
	const hexLower = "0123456789abcdef"
	var b []byte
	for _, c := range v {
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hexLower[c>>4], hexLower[c&15])
			} else {
				b = append(b, c)
			}
		}
	}
	return b
}

// htmlSafeJSON applies encoding/json's HTML-safe escaping to an escaped JSON string body.
func htmlSafeJSON(j []byte) []byte {
	var b []byte
	for _, c := range j {
		switch c {
		case '<':
			b = append(b, `\u003c`...)
		case '>':
			b = append(b, `\u003e`...)
		case '&':
			b = append(b, `\u0026`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// nixEscape is the body of a Nix "..." string literal holding v.
func nixEscape(v []byte) []byte {
	var b []byte
	for i, c := range v {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '$' && i+1 < len(v) && v[i+1] == '{':
			b = append(b, '\\', '$')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, c)
		}
	}
	return b
}

// atermEscape is v as Nix writes it inside a .drv file's ATerm strings (without the quotes).
func atermEscape(v []byte) []byte {
	q := nixstore.EscapeString(string(v))
	return []byte(q[1 : len(q)-1])
}

// build groups identical byte strings (two secrets with the same value) under one matcher
// key and compiles the matcher.
func (ps *PatternSet) build() {
	byBytes := map[string]int{}
	var keys [][]byte
	for i, p := range ps.Patterns {
		k, ok := byBytes[string(p.Bytes)]
		if !ok {
			k = len(keys)
			byBytes[string(p.Bytes)] = k
			keys = append(keys, p.Bytes)
			ps.keys = append(ps.keys, nil)
		}
		ps.keys[k] = append(ps.keys[k], i)
	}
	ps.matcher = NewMatcher(keys)
	for _, k := range keys {
		ps.first[k[0]] = true
		if len(k) > 1 {
			i := uint(k[0])<<8 | uint(k[1])
			ps.pairs[i>>6] |= 1 << (i & 63)
		}
	}
	ps.sorted = append([][]byte(nil), keys...)
	sort.Slice(ps.sorted, func(i, j int) bool { return bytes.Compare(ps.sorted[i], ps.sorted[j]) < 0 })
}

// Len is the number of patterns.
func (ps *PatternSet) Len() int { return len(ps.Patterns) }

// Matcher is the compiled matcher of the set; its keys index KeyPatterns.
func (ps *PatternSet) Matcher() *Matcher { return ps.matcher }

// KeyPatterns returns the patterns (indices into Patterns) that matcher key k stands for.
func (ps *PatternSet) KeyPatterns(k int) []int { return ps.keys[k] }

// mayStart is a quick filter for isProperPrefix on the first two bytes.
func (ps *PatternSet) mayStart(b []byte) bool {
	if len(b) == 1 {
		return ps.first[b[0]]
	}
	i := uint(b[0])<<8 | uint(b[1])
	return ps.pairs[i>>6]&(1<<(i&63)) != 0
}

// isProperPrefix reports whether b is a proper prefix of some pattern: more input could still
// complete a match that starts with b.
func (ps *PatternSet) isProperPrefix(b []byte) bool {
	i := sort.Search(len(ps.sorted), func(i int) bool { return bytes.Compare(ps.sorted[i], b) >= 0 })
	for ; i < len(ps.sorted); i++ {
		p := ps.sorted[i]
		if !bytes.HasPrefix(p, b) {
			return false
		}
		if len(p) > len(b) {
			return true
		}
	}
	return false
}
