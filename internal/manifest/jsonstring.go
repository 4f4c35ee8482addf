package manifest

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON strings: the fast path returns a substring of the input; escapes, invalid UTF-8 and
// lone surrogates take the slow path (and the last two are errors).

// memberName reads a member name, interned when it has no escapes.
func (p *jsonParser) memberName() (string, error) {
	d := p.data
	j := p.i + 1
	for j < len(d) && d[j] != '"' && d[j] != '\\' && d[j] >= 0x20 && d[j] < 0x80 {
		j++
	}
	if j < len(d) && d[j] == '"' && j-p.i <= 64 {
		raw := d[p.i+1 : j]
		if k, ok := p.names[string(raw)]; ok {
			p.i = j + 1
			return k, nil
		}
		if p.names == nil {
			p.names = make(map[string]string, 64)
		}
		if len(p.names) < 1024 {
			k := p.src[p.i+1 : j]
			p.names[k] = k
			p.i = j + 1
			return k, nil
		}
	}
	return p.string()
}

var errBadUTF8 = errors.New("invalid UTF-8 in string")

// string reads a string at the cursor (a '"').
func (p *jsonParser) string() (string, error) {
	d := p.data
	p.i++
	start := p.i
	ascii := true
	for p.i < len(d) {
		c := d[p.i]
		switch {
		case c == '"':
			s := d[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
				return "", &syntaxErr{off: start, msg: errBadUTF8.Error()}
			}
			return p.src[start : p.i-1], nil
		case c == '\\':
			return p.escapedString(start)
		case c < 0x20:
			return "", p.fail("control character in string (escape it)")
		case c >= 0x80:
			ascii = false
		}
		p.i++
	}
	return "", p.fail("unterminated string")
}

// escapedString finishes a string with escapes; start is just after its opening quote.
func (p *jsonParser) escapedString(start int) (string, error) {
	d := p.data
	buf := append([]byte(nil), d[start:p.i]...)
	for p.i < len(d) {
		c := d[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(buf) {
				return "", &syntaxErr{off: start, msg: errBadUTF8.Error()}
			}
			return string(buf), nil
		case c < 0x20:
			return "", p.fail("control character in string (escape it)")
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(d) {
			break
		}
		e := d[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A pair, or an error: a lone surrogate is not a character.
				if p.i+1 < len(d) && d[p.i] == '\\' && d[p.i+1] == 'u' {
					p.i += 2
					r2, ok := p.hex4()
					if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
						buf = utf8.AppendRune(buf, dec)
						continue
					}
				}
				return "", p.fail("invalid UTF-16 surrogate in \\u escape")
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.fail("invalid escape \\%c", e)
		}
	}
	return "", p.fail("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.data) {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.i : p.i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}
