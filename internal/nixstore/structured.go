package nixstore

import (
	"strconv"
	"strings"
)

// Derivations with __structuredAttrs = true keep every attribute in one env entry, __json.
// A finding there is only useful if it names the JSON member, so Locate maps a byte offset
// inside __json to its path (e.g. "env.API_TOKEN" or "nested.b[1]").

const structuredAttrsName = "__json"

// structuredPath returns the JSON path of the member holding byte offset off of the raw
// __json literal (quotes and ATerm escapes included), or "" when it is not inside a member
// value or key (or the JSON is malformed before that point).
func structuredPath(rawLiteral []byte, off int) string {
	// Decode the ATerm escapes, noting where off lands in the JSON text.
	js := make([]byte, 0, len(rawLiteral))
	pos := -1
	for i := 1; i < len(rawLiteral)-1; i++ {
		if pos < 0 && i >= off {
			pos = len(js)
		}
		c := rawLiteral[i]
		if c == '\\' && i+1 < len(rawLiteral)-1 {
			i++
			switch rawLiteral[i] {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			default:
				c = rawLiteral[i]
			}
		}
		js = append(js, c)
	}
	if pos < 0 {
		pos = len(js)
	}
	return jsonPathAt(js, pos)
}

// jsonFrame is one open JSON container.
type jsonFrame struct {
	array bool
	index int    // arrays: position of the current element
	key   string // objects: the current member
	inKey bool   // objects: the next string is a key
}

// jsonPathAt walks JSON text up to byte pos and returns the path of the innermost member
// open there (a key names its own member).
func jsonPathAt(js []byte, pos int) string {
	var stack []jsonFrame
	for i := 0; i < len(js) && i < pos; i++ {
		switch c := js[i]; c {
		case '{':
			stack = append(stack, jsonFrame{inKey: true})
		case '[':
			stack = append(stack, jsonFrame{array: true})
		case '}', ']':
			if len(stack) == 0 {
				return ""
			}
			stack = stack[:len(stack)-1]
		case ',':
			if n := len(stack); n > 0 {
				if stack[n-1].array {
					stack[n-1].index++
				} else {
					stack[n-1].inKey, stack[n-1].key = true, ""
				}
			}
		case ':':
			if n := len(stack); n > 0 {
				stack[n-1].inKey = false
			}
		case '"':
			// Read the whole string, even past pos: a key names its member.
			j := i + 1
			for j < len(js) && js[j] != '"' {
				if js[j] == '\\' {
					j++
				}
				j++
			}
			if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].inKey {
				end := j + 1
				if end > len(js) {
					end = len(js)
				}
				stack[n-1].key = unquoteJSON(js[i:end])
			}
			if j >= pos {
				i = len(js)
				break
			}
			i = j
		}
	}
	var b strings.Builder
	for _, f := range stack {
		if f.array {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
			continue
		}
		if f.key == "" {
			break
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(f.key)
	}
	return b.String()
}

func unquoteJSON(q []byte) string {
	s := string(q)
	if len(s) < 2 || !strings.HasSuffix(s, `"`) {
		s += `"`
	}
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return strings.Trim(s, `"`)
}
