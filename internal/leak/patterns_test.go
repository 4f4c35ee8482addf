package leak

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
)

func patternsByEncoding(ps *PatternSet, secret int) map[string][][]byte {
	out := map[string][][]byte{}
	for _, p := range ps.Patterns {
		if p.Secret == secret {
			out[p.Encoding] = append(out[p.Encoding], p.Bytes)
		}
	}
	return out
}

func TestPatternEncodings(t *testing.T) {
	v := []byte(`p@ss "word"/with+sla\sh ${x}` + "\t")
	ps, err := NewPatternSet([]Secret{{Name: "s", Value: v}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := patternsByEncoding(ps, 0)
	js, _ := json.Marshal(string(v))
	want := map[string]string{
		EncRaw:          string(v),
		EncHex:          hex.EncodeToString(v),
		EncHexUpper:     strings.ToUpper(hex.EncodeToString(v)),
		EncPercent:      "p%40ss%20%22word%22%2Fwith%2Bsla%5Csh%20%24%7Bx%7D%09",
		EncPercentQuery: "p%40ss+%22word%22%2Fwith%2Bsla%5Csh+%24%7Bx%7D%09",
		EncJSON:         strings.Trim(string(js), `"`),
		EncNix:          `p@ss \"word\"/with+sla\\sh \${x}\t`,
		EncATerm:        `p@ss \"word\"/with+sla\\sh ${x}\t`,
	}
	// A form equal to an earlier one is kept once, under the earlier name (here JSON and
	// drv-string coincide, and drv-string comes first).
	for enc, w := range want {
		if !containsBytes(got[enc], []byte(w)) && !hasForm(ps, w) {
			t.Errorf("encoding %s: expected form missing (have %d forms)", enc, len(got[enc]))
		}
	}
	if !containsBytes(got[EncBase64], []byte(base64.StdEncoding.EncodeToString(v))) {
		t.Errorf("padded base64 missing")
	}
	if !hasForm(ps, base64.RawURLEncoding.EncodeToString(v)) {
		t.Errorf("unpadded base64url missing")
	}
	if containsBytes(got[EncJSON], []byte(want[EncATerm])) {
		t.Errorf("json kept though equal to drv-string")
	}
}

func hasForm(ps *PatternSet, w string) bool {
	for _, p := range ps.Patterns {
		if string(p.Bytes) == w {
			return true
		}
	}
	return false
}

func containsBytes(list [][]byte, b []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}

// A secret embedded at any position of a larger base64 blob is found, for both alphabets,
// and named with its alignment.
func TestBase64InsideBlob(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for n := 8; n < 40; n++ {
		v := make([]byte, n)
		rng.Read(v)
		ps, err := NewPatternSet([]Secret{{Name: "s", Value: v}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for pre := 0; pre < 7; pre++ {
			for post := 0; post < 4; post++ {
				blob := make([]byte, pre+n+post)
				rng.Read(blob)
				copy(blob[pre:], v)
				for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
					text := []byte(enc.EncodeToString(blob))
					var encs []string
					ps.Matcher().FindAll(text, 0, func(key, start int) {
						for _, pi := range ps.KeyPatterns(key) {
							encs = append(encs, ps.Patterns[pi].Encoding)
						}
					})
					name := "base64"
					if enc == base64.URLEncoding {
						name = "base64url"
					}
					if pre%3 != 0 {
						name += "+" + string(rune('0'+pre%3))
					}
					// Where both alphabets give the same text, it is kept once, as base64.
					std := strings.Replace(name, "base64url", "base64", 1)
					ok := false
					for _, e := range encs {
						ok = ok || e == name || e == std
					}
					if !ok {
						t.Fatalf("n=%d pre=%d post=%d: %s not found (found %v)", n, pre, post, name, encs)
					}
				}
			}
		}
	}
}

func TestUnscannableAndMinLength(t *testing.T) {
	secrets := []Secret{{"short", []byte("1234567")}, {"ok", []byte("12345678")}, {"empty", nil}}
	ps, err := NewPatternSet(secrets, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ps.Unscannable, ",") != "short,empty" {
		t.Errorf("unscannable = %v", ps.Unscannable)
	}
	ps, _ = NewPatternSet(secrets, Options{MinLength: 4})
	if strings.Join(ps.Unscannable, ",") != "empty" {
		t.Errorf("with MinLength 4: unscannable = %v", ps.Unscannable)
	}
	for _, p := range ps.Patterns {
		if len(p.Bytes) < 4 {
			t.Errorf("pattern shorter than MinLength: %s of %s, %d bytes", p.Encoding, ps.Names[p.Secret], len(p.Bytes))
		}
	}
}

func TestMultiLineSecret(t *testing.T) {
	v := []byte("-----BEGIN TEST KEY-----\nQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w\nc2hvcnQ=\n-----END TEST KEY-----\n")
	ps, err := NewPatternSet([]Secret{{"key", v}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := patternsByEncoding(ps, 0)
	if len(got["line 2"]) != 1 {
		t.Errorf("line 2 missing")
	}
	for enc := range got {
		if enc == "line 1" || enc == "line 3" || enc == "line 4" {
			t.Errorf("armour or short line became a pattern: %s", enc)
		}
	}
}

func TestEncodingsOption(t *testing.T) {
	ps, err := NewPatternSet([]Secret{{"s", []byte("0123456789abcdef")}}, Options{Encodings: []string{"raw", "hex"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps.Patterns {
		if p.Encoding != EncRaw && p.Encoding != EncHex && p.Encoding != EncHexUpper {
			t.Errorf("unexpected encoding %s", p.Encoding)
		}
	}
	if _, err := NewPatternSet(nil, Options{Encodings: []string{"rot13"}}); err == nil {
		t.Error("unknown encoding accepted")
	}
}

// Two secrets with the same value share one matcher key and both are reported.
func TestDuplicateValues(t *testing.T) {
	ps, _ := NewPatternSet([]Secret{{"a", []byte("same-value-123")}, {"b", []byte("same-value-123")}}, Options{Encodings: []string{"raw"}})
	if ps.Matcher().Keys() != 1 || len(ps.KeyPatterns(0)) != 2 {
		t.Fatalf("keys=%d patterns of key 0=%d", ps.Matcher().Keys(), len(ps.KeyPatterns(0)))
	}
}

// The JSON forms of common encoders: plain, Go's HTML-safe escaping, PHP's escaped slash.
func TestJSONVariants(t *testing.T) {
	v := []byte(`a<b>&c/d"e`)
	ps := mustSet(t, []Secret{{"s", v}}, Options{Encodings: []string{"json"}})
	var goJSON bytes.Buffer
	json.NewEncoder(&goJSON).Encode(string(v))
	for _, w := range []string{`a<b>&c/d\"e`, strings.Trim(strings.TrimSpace(goJSON.String()), `"`), `a<b>&c\/d\"e`} {
		if !hasForm(ps, w) {
			t.Errorf("JSON form missing (len %d)", len(w))
		}
	}
}
