package sopsfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// Emitting JSON as sops does: encoding/json's escaping (with its HTML-safe \u003c, \u003e,
// \u0026 and \u2028/\u2029), its float format, and json.Indent's layout with one tab per
// level, "key": value, and {} / [] for empty containers. Comments are dropped. A file ends
// with a newline; a single --extract value does not.

const jsonIndent = "\t"

func (s jsonStore) Emit(docs []Branch) ([]byte, error) {
	if len(docs) == 0 {
		return nil, errors.New("json: no document to write")
	}
	// A JSON file holds one document; sops writes the first of several (YAML input).
	out, err := s.appendValue(make([]byte, 0, 4096), docs[0], 0)
	if err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	return append(out, '\n'), nil
}

func (s jsonStore) EmitValue(v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case Branch:
		return s.Emit([]Branch{v})
	}
	out, err := s.appendValue(nil, v, 0)
	if err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	return out, nil
}

func (s jsonStore) appendNewlineIndent(b []byte, depth int) []byte {
	b = append(b, '\n')
	indent := jsonIndent
	if s.custom {
		indent = s.indent
	}
	for range depth {
		b = append(b, indent...)
	}
	return b
}

func (s jsonStore) appendValue(b []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case Branch:
		empty := true
		for _, it := range v {
			if _, ok := it.Key.(Comment); ok {
				continue
			}
			k, ok := it.Key.(string)
			if !ok {
				return nil, fmt.Errorf("key of type %T: JSON keys are strings", it.Key)
			}
			if empty {
				b = append(b, '{')
			} else {
				b = append(b, ',')
			}
			empty = false
			b = s.appendNewlineIndent(b, depth+1)
			b = appendJSONString(b, k)
			b = append(b, ':', ' ')
			var err error
			if b, err = s.appendValue(b, it.Value, depth+1); err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
		}
		if empty {
			return append(b, '{', '}'), nil
		}
		b = s.appendNewlineIndent(b, depth)
		return append(b, '}'), nil
	case []any:
		empty := true
		for i, e := range v {
			if _, ok := e.(Comment); ok {
				continue
			}
			if empty {
				b = append(b, '[')
			} else {
				b = append(b, ',')
			}
			empty = false
			b = s.appendNewlineIndent(b, depth+1)
			var err error
			if b, err = s.appendValue(b, e, depth+1); err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
		}
		if empty {
			return append(b, '[', ']'), nil
		}
		b = s.appendNewlineIndent(b, depth)
		return append(b, ']'), nil
	case string:
		return appendJSONString(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case nil:
		return append(b, "null"...), nil
	case float64:
		return appendJSONFloat(b, v)
	case Comment:
		return nil, errors.New("a comment cannot stand as a value")
	case time.Time:
		// time.Time's own MarshalJSON (RFC 3339 with nanoseconds), as json.Marshal uses.
	}
	// Anything else no parser produces: encoding/json, then re-laid out like the rest.
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cannot encode a %T value", v)
	}
	return append(b, raw...), nil
}

// appendJSONFloat writes f as encoding/json does: shortest representation, exponent form
// below 1e-6 and from 1e21, "e-07" shortened to "e-7"; NaN and infinities are refused.
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errors.New("NaN or infinite number cannot be written as JSON")
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as json.Marshal does (HTML-safe escaping on).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
