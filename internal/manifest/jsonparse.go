package manifest

import (
	"fmt"
	"strconv"
)

// A small strict JSON parser (RFC 8259) building a tree in one pass. encoding/json would
// need several passes per entry to report unknown and duplicate members with their entry's
// name, and took about seven times longer on a 10,000-secret manifest; the installer parses it
// on every activation, including the ones that change nothing.

type kind uint8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kArray
	kObject
)

func (k kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// value is one parsed JSON value.
type value struct {
	kind kind
	b    bool
	str  string   // a string's value, or a number's literal text
	keys []string // object member names, in file order
	vals []*value // object member values (parallel to keys), or array elements
}

// get returns the member named k of an object.
func (v *value) get(k string) (*value, bool) {
	for i, key := range v.keys {
		if key == k {
			return v.vals[i], true
		}
	}
	return nil, false
}

func (v *value) has(k string) bool {
	_, ok := v.get(k)
	return ok
}

// kindOf names the JSON type of v for messages; nil is "nothing".
func kindOf(v *value) string {
	if v == nil {
		return "nothing"
	}
	return v.kind.String()
}

// maxDepth bounds nesting (manifests nest 4 deep), so hostile input cannot exhaust the stack.
const maxDepth = 64

type jsonParser struct {
	data  []byte
	src   string // data as one string: unescaped strings are substrings of it, not copies
	i     int
	depth int
	slab  []value // values are allocated in chunks: far fewer allocations
	// names interns member names: 10,000 entries repeat the same dozen.
	names map[string]string
	// Members and elements are gathered on these stacks and then carved, exactly sized,
	// out of the slabs: no append growth per object.
	kstack []string
	vstack []*value
	astack []*value
	kslab  []string
	vslab  []*value
}

func (p *jsonParser) carveKeys(src []string) []string {
	if len(src) == 0 {
		return nil
	}
	if len(p.kslab) < len(src) {
		p.kslab = make([]string, max(1024, len(src)))
	}
	out := p.kslab[:len(src):len(src)]
	copy(out, src)
	p.kslab = p.kslab[len(src):]
	return out
}

func (p *jsonParser) carveVals(src []*value) []*value {
	if len(src) == 0 {
		return nil
	}
	if len(p.vslab) < len(src) {
		p.vslab = make([]*value, max(1024, len(src)))
	}
	out := p.vslab[:len(src):len(src)]
	copy(out, src)
	p.vslab = p.vslab[len(src):]
	return out
}

// syntaxErr is a JSON syntax error at a byte offset.
type syntaxErr struct {
	off int
	msg string
}

func (e *syntaxErr) Error() string { return e.msg }

func parseJSON(data []byte) (*value, error) {
	p := &jsonParser{data: data, src: string(data)}
	p.ws()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.data) {
		return nil, p.fail("unexpected %s after the top-level value", p.what())
	}
	return v, nil
}

func (p *jsonParser) fail(format string, args ...any) error {
	return &syntaxErr{off: p.i, msg: fmt.Sprintf(format, args...)}
}

// what describes the byte at the cursor.
func (p *jsonParser) what() string {
	if p.i >= len(p.data) {
		return "end of input"
	}
	c := p.data[p.i]
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (p *jsonParser) alloc(k kind) *value {
	if len(p.slab) == 0 {
		p.slab = make([]value, 256)
	}
	v := &p.slab[0]
	p.slab = p.slab[1:]
	v.kind = k
	return v
}

func (p *jsonParser) ws() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (*value, error) {
	if p.i >= len(p.data) {
		return nil, p.fail("unexpected end of input")
	}
	switch c := p.data[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		v := p.alloc(kString)
		v.str = s
		return v, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.literal("true"):
		v := p.alloc(kBool)
		v.b = true
		return v, nil
	case p.literal("false"):
		return p.alloc(kBool), nil
	case p.literal("null"):
		return p.alloc(kNull), nil
	}
	return nil, p.fail("unexpected %s, expected a value", p.what())
}

func (p *jsonParser) literal(s string) bool {
	if len(p.data)-p.i >= len(s) && string(p.data[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.fail("nested deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *jsonParser) object() (*value, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.i++ // '{'
	v := p.alloc(kObject)
	mark := len(p.kstack)
	defer func() { p.kstack, p.vstack = p.kstack[:mark], p.vstack[:mark] }()
	var seen map[string]bool // only for large objects: linear search is faster below
	p.ws()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		p.ws()
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return nil, p.fail("unexpected %s, expected a member name", p.what())
		}
		at := p.i
		k, err := p.memberName()
		if err != nil {
			return nil, err
		}
		mine := p.kstack[mark:]
		dup := false
		if seen != nil {
			dup = seen[k]
		} else {
			for _, key := range mine {
				if key == k {
					dup = true
					break
				}
			}
		}
		if dup {
			return nil, &syntaxErr{off: at, msg: fmt.Sprintf("field %q given twice", k)}
		}
		if len(mine) == 32 {
			seen = make(map[string]bool, 64)
			for _, key := range mine {
				seen[key] = true
			}
		}
		if seen != nil {
			seen[k] = true
		}
		p.ws()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return nil, p.fail("unexpected %s, expected ':'", p.what())
		}
		p.i++
		p.ws()
		m, err := p.value()
		if err != nil {
			return nil, err
		}
		p.kstack = append(p.kstack, k)
		p.vstack = append(p.vstack, m)
		p.ws()
		if p.i < len(p.data) && p.data[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.data) && p.data[p.i] == '}' {
			p.i++
			v.keys = p.carveKeys(p.kstack[mark:])
			v.vals = p.carveVals(p.vstack[mark:])
			return v, nil
		}
		return nil, p.fail("unexpected %s, expected ',' or '}'", p.what())
	}
}

func (p *jsonParser) array() (*value, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.i++ // '['
	v := p.alloc(kArray)
	mark := len(p.astack)
	defer func() { p.astack = p.astack[:mark] }()
	p.ws()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		p.ws()
		e, err := p.value()
		if err != nil {
			return nil, err
		}
		p.astack = append(p.astack, e)
		p.ws()
		if p.i < len(p.data) && p.data[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.data) && p.data[p.i] == ']' {
			p.i++
			v.vals = p.carveVals(p.astack[mark:])
			return v, nil
		}
		return nil, p.fail("unexpected %s, expected ',' or ']'", p.what())
	}
}

func (p *jsonParser) number() (*value, error) {
	start := p.i
	d := p.data
	if p.i < len(d) && d[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(d) && d[p.i] >= '0' && d[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	switch {
	case p.i < len(d) && d[p.i] == '0':
		p.i++
	case digits() == 0:
		return nil, p.fail("invalid number")
	}
	if p.i < len(d) && d[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, p.fail("invalid number")
		}
	}
	if p.i < len(d) && (d[p.i] == 'e' || d[p.i] == 'E') {
		p.i++
		if p.i < len(d) && (d[p.i] == '+' || d[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.fail("invalid number")
		}
	}
	v := p.alloc(kNumber)
	v.str = p.src[start:p.i]
	return v, nil
}

// position turns a byte offset into "line L, column C".
func position(data []byte, off int) string {
	line, col := 1, 1
	for i := 0; i < off && i < len(data); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("line %d, column %d", line, col)
}
