package sopsfile

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON store. sops reads JSON token by token with encoding/json (numbers as json.Number,
// then int when they fit an int64, else float64) and keeps key order and duplicate keys.
// This is a hand-written reader with the same results — strings decoded as encoding/json
// decodes them (invalid UTF-8 and lone surrogates become U+FFFD), the same number rules, the
// same depth limit — but without encoding/json's per-token allocations and reflection, so
// that files with 100,000 values parse quickly. Errors give line and byte offset and never
// quote the input.

// jsonStore's zero value writes sops' default layout (one tab per level); custom says indent
// (spaces, possibly none) was set through StoreForOptions.
type jsonStore struct {
	indent string
	custom bool
}

func init() { stores[JSON] = jsonStore{} }

// jsonMaxDepth is encoding/json's nesting limit.
const jsonMaxDepth = 10000

type jsonReader struct {
	data []byte
	pos  int
}

// jsonSyntaxError is a parse error at a byte offset.
type jsonSyntaxError struct {
	msg    string
	offset int
	line   int
}

func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("json: line %d, byte offset %d: %s", e.line, e.offset, e.msg)
}

func (r *jsonReader) fail(msg string) error {
	off := min(r.pos, len(r.data))
	return &jsonSyntaxError{msg: msg, offset: off, line: 1 + bytes.Count(r.data[:off], []byte{'\n'})}
}

func (jsonStore) Parse(data []byte) ([]Branch, error) {
	r := &jsonReader{data: data}
	r.skipSpace()
	if r.pos >= len(data) {
		return nil, r.fail("empty input (want a JSON object)")
	}
	if data[r.pos] != '{' {
		return nil, r.fail("sops only supports JSON files with a top-level object (wrap the value in an object, e.g. {\"data\": ...})")
	}
	r.pos++
	b, err := r.object(1)
	if err != nil {
		return nil, err
	}
	// Like sops, stop after the top-level object: what follows is not read.
	return []Branch{b}, nil
}

func (r *jsonReader) skipSpace() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// object reads the members after an opening '{'.
func (r *jsonReader) object(depth int) (Branch, error) {
	if depth > jsonMaxDepth {
		return nil, r.fail("exceeded max nesting depth")
	}
	b := Branch{}
	r.skipSpace()
	if r.pos < len(r.data) && r.data[r.pos] == '}' {
		r.pos++
		return b, nil
	}
	for {
		r.skipSpace()
		if r.pos >= len(r.data) {
			return nil, r.fail("unexpected end of input in object")
		}
		if r.data[r.pos] != '"' {
			return nil, r.fail("expected a string object key")
		}
		key, err := r.str()
		if err != nil {
			return nil, err
		}
		r.skipSpace()
		if r.pos >= len(r.data) || r.data[r.pos] != ':' {
			return nil, r.fail("expected ':' after object key")
		}
		r.pos++
		v, err := r.value(depth)
		if err != nil {
			return nil, err
		}
		b = append(b, Item{Key: key, Value: v})
		r.skipSpace()
		if r.pos >= len(r.data) {
			return nil, r.fail("unexpected end of input in object")
		}
		switch r.data[r.pos] {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return b, nil
		default:
			return nil, r.fail("expected ',' or '}' after object member")
		}
	}
}

// array reads the elements after an opening '['.
func (r *jsonReader) array(depth int) ([]any, error) {
	if depth > jsonMaxDepth {
		return nil, r.fail("exceeded max nesting depth")
	}
	r.skipSpace()
	if r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
		return []any(nil), nil
	}
	var list []any
	for {
		v, err := r.value(depth)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
		r.skipSpace()
		if r.pos >= len(r.data) {
			return nil, r.fail("unexpected end of input in array")
		}
		switch r.data[r.pos] {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return list, nil
		default:
			return nil, r.fail("expected ',' or ']' after array element")
		}
	}
}

func (r *jsonReader) value(depth int) (any, error) {
	r.skipSpace()
	if r.pos >= len(r.data) {
		return nil, r.fail("unexpected end of input (want a value)")
	}
	switch c := r.data[r.pos]; {
	case c == '{':
		r.pos++
		return r.object(depth + 1)
	case c == '[':
		r.pos++
		return r.array(depth + 1)
	case c == '"':
		return r.str()
	case c == '-' || c >= '0' && c <= '9':
		return r.number()
	case c == 't':
		return true, r.literal("true")
	case c == 'f':
		return false, r.literal("false")
	case c == 'n':
		return nil, r.literal("null")
	}
	return nil, r.fail("unexpected character (want a value)")
}

func (r *jsonReader) literal(word string) error {
	if !bytes.HasPrefix(r.data[r.pos:], []byte(word)) {
		return r.fail("invalid literal (want true, false or null)")
	}
	r.pos += len(word)
	return nil
}

// number reads a JSON number and converts it as sops does: an int when it is an integer
// that fits int64, else a float64; out of float range is an error.
func (r *jsonReader) number() (any, error) {
	start := r.pos
	d := r.data
	i := r.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		r.pos = i
		return nil, r.fail("invalid number")
	}
	isInt := true
	if i < len(d) && d[i] == '.' {
		isInt = false
		i++
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			r.pos = i
			return nil, r.fail("invalid number (digits expected after '.')")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		isInt = false
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			r.pos = i
			return nil, r.fail("invalid number (digits expected in exponent)")
		}
	}
	r.pos = i
	text := string(d[start:i])
	if isInt {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return int(n), nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		r.pos = start
		return nil, r.fail("number out of range")
	}
	return f, nil
}

var errJSONBadEscape = errors.New("invalid escape in string")

// str reads a string starting at its opening quote.
func (r *jsonReader) str() (string, error) {
	d := r.data
	start := r.pos + 1
	i := start
	// Fast path: plain ASCII without escapes is the input bytes as they are.
	for i < len(d) {
		c := d[i]
		if c == '"' {
			r.pos = i + 1
			return string(d[start:i]), nil
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		i++
	}
	buf := make([]byte, 0, i-start+16)
	buf = append(buf, d[start:i]...)
	for {
		if i >= len(d) {
			r.pos = i
			return "", r.fail("unexpected end of input in string")
		}
		c := d[i]
		switch {
		case c == '"':
			r.pos = i + 1
			return string(buf), nil
		case c < 0x20:
			r.pos = i
			return "", r.fail("control character in string")
		case c == '\\':
			n, width, err := jsonEscape(d[i:], buf)
			if err != nil {
				r.pos = i
				return "", r.fail(err.Error())
			}
			buf = n
			i += width
		case c < 0x80:
			buf = append(buf, c)
			i++
		default:
			ru, size := utf8.DecodeRune(d[i:])
			if ru == utf8.RuneError && size == 1 {
				buf = utf8.AppendRune(buf, unicode.ReplacementChar)
			} else {
				buf = append(buf, d[i:i+size]...)
			}
			i += size
		}
	}
}

// jsonEscape decodes the escape at the start of s (s[0] == '\\'), appending to buf.
func jsonEscape(s []byte, buf []byte) ([]byte, int, error) {
	if len(s) < 2 {
		return nil, 0, errJSONBadEscape
	}
	switch s[1] {
	case '"', '\\', '/':
		return append(buf, s[1]), 2, nil
	case 'b':
		return append(buf, '\b'), 2, nil
	case 'f':
		return append(buf, '\f'), 2, nil
	case 'n':
		return append(buf, '\n'), 2, nil
	case 'r':
		return append(buf, '\r'), 2, nil
	case 't':
		return append(buf, '\t'), 2, nil
	case 'u':
		ru := hex4(s[2:])
		if ru < 0 {
			return nil, 0, errJSONBadEscape
		}
		width := 6
		if utf16.IsSurrogate(ru) {
			// A valid pair makes one rune; anything else is a replacement character and
			// what follows is read on its own (encoding/json's rule).
			if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
				if lo := hex4(s[8:]); lo >= 0 {
					if dec := utf16.DecodeRune(ru, lo); dec != unicode.ReplacementChar {
						return utf8.AppendRune(buf, dec), 12, nil
					}
				}
			}
			ru = unicode.ReplacementChar
		}
		return utf8.AppendRune(buf, ru), width, nil
	}
	return nil, 0, errJSONBadEscape
}

func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
