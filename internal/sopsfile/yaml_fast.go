package sopsfile

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// A fast path for the YAML that sops writes: block mappings and sequences indented with
// spaces, plain or simply double-quoted scalars on one line, literal blocks ("|", for the
// armored age data keys), no comments, anchors, tags, flow collections or multi-line plain
// scalars; text is printable ASCII or the Unicode the emitter writes unescaped. On a big encrypted file the library's general parser is most of hush decrypt's
// time; this reader does the same work in one pass over the lines.
//
// It never reports an error: on anything outside that subset it gives up (ok false) and the
// library parses the file instead, so its only obligation is to produce, when it accepts a
// file, exactly the tree the library path would (checked by FuzzParseYAML on every input).

type fastLine struct {
	indent int
	text   []byte // the line without its indentation
	raw    []byte // the whole line, for literal blocks
	empty  bool
	lastNL bool // the line ends with '\n'
}

type yamlFast struct {
	lines []fastLine
	i     int
}

func yamlFastParse(data []byte) ([]Branch, bool) {
	if len(data) == 0 {
		return nil, false
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' || c >= 0x20 && c <= 0x7e {
			continue
		}
		if c < 0x80 {
			return nil, false // tabs, CR, controls: the library decides
		}
		r, size := utf8.DecodeRune(data[i:])
		if !yamlSimpleRune(r, size) {
			return nil, false // invalid UTF-8, a BOM, YAML 1.1 line breaks, ...
		}
		i += size - 1
	}
	p := &yamlFast{lines: make([]fastLine, 0, bytes.Count(data, []byte{'\n'})+1)}
	for len(data) > 0 {
		var l []byte
		nl := false
		if j := bytes.IndexByte(data, '\n'); j >= 0 {
			l, data, nl = data[:j], data[j+1:], true
		} else {
			l, data = data, nil
		}
		ind := 0
		for ind < len(l) && l[ind] == ' ' {
			ind++
		}
		if ind == len(l) {
			if ind > 0 {
				return nil, false // whitespace-only line
			}
			p.lines = append(p.lines, fastLine{empty: true, lastNL: nl})
			continue
		}
		p.lines = append(p.lines, fastLine{indent: ind, text: l[ind:], raw: l, lastNL: nl})
	}
	p.skipEmpty()
	if p.i >= len(p.lines) || p.lines[p.i].indent != 0 {
		return nil, false
	}
	b, ok := p.mapping(0)
	if !ok {
		return nil, false
	}
	p.skipEmpty()
	if p.i != len(p.lines) {
		return nil, false
	}
	return []Branch{b}, true
}

func (p *yamlFast) skipEmpty() {
	for p.i < len(p.lines) && p.lines[p.i].empty {
		p.i++
	}
}

// next is the next non-empty line, if any.
func (p *yamlFast) next() (*fastLine, bool) {
	p.skipEmpty()
	if p.i >= len(p.lines) {
		return nil, false
	}
	return &p.lines[p.i], true
}

func isSeqItem(t []byte) bool { return len(t) >= 2 && t[0] == '-' && t[1] == ' ' }

func (p *yamlFast) mapping(indent int) (Branch, bool) {
	b := Branch{}
	var seen map[string]bool
	for {
		l, ok := p.next()
		if !ok || l.indent < indent || l.indent == indent && isSeqItem(l.text) {
			return b, true
		}
		if l.indent > indent {
			return nil, false
		}
		key, rest, ok := splitFastKey(l.text)
		if !ok {
			return nil, false
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		if seen[key] {
			return nil, false // the library reports the duplicate
		}
		seen[key] = true
		p.i++
		var v any
		switch {
		case rest == nil:
			n, more := p.next()
			switch {
			case more && n.indent > indent:
				if v, ok = p.block(n.indent); !ok {
					return nil, false
				}
			case more && n.indent == indent && isSeqItem(n.text):
				if v, ok = p.sequence(indent); !ok {
					return nil, false
				}
			default:
				v = nil // "key:" alone is a null
			}
		case string(rest) == "|":
			if v, ok = p.literal(indent); !ok {
				return nil, false
			}
		default:
			if v, ok = fastScalar(rest); !ok {
				return nil, false
			}
			if n, more := p.next(); more && n.indent > indent {
				return nil, false // a continuation line
			}
		}
		b = append(b, Item{Key: key, Value: v})
	}
}

func (p *yamlFast) block(indent int) (any, bool) {
	if isSeqItem(p.lines[p.i].text) {
		return p.sequence(indent)
	}
	return p.mapping(indent)
}

func (p *yamlFast) sequence(indent int) (any, bool) {
	var list []any
	for {
		l, ok := p.next()
		if !ok || l.indent < indent {
			break
		}
		if l.indent > indent || !isSeqItem(l.text) {
			// A mapping key after a sequence at the same indentation ends it (the key
			// belongs to the enclosing mapping); anything else is not for the fast path.
			if l.indent == indent {
				break
			}
			return nil, false
		}
		item := l.text[2:]
		if len(item) == 0 || item[0] == ' ' || isSeqItem(item) || item[0] == '-' && len(item) == 1 {
			return nil, false
		}
		if _, _, isKey := splitFastKey(item); isKey {
			// "- key: value": a mapping whose keys sit two columns in.
			l.indent, l.text = indent+2, item
			m, ok := p.mapping(indent + 2)
			if !ok {
				return nil, false
			}
			list = append(list, m)
			continue
		}
		v, ok := fastScalar(item)
		if !ok {
			return nil, false
		}
		p.i++
		if n, more := p.next(); more && n.indent > indent {
			return nil, false
		}
		list = append(list, v)
	}
	if len(list) == 0 {
		return nil, false
	}
	return list, true
}

// literal reads a "|" block (clip chomping: one final newline) belonging to a key at
// parentIndent.
func (p *yamlFast) literal(parentIndent int) (any, bool) {
	if p.i >= len(p.lines) || p.lines[p.i].empty {
		return nil, false
	}
	ci := p.lines[p.i].indent
	if ci <= parentIndent {
		return nil, false
	}
	var sb strings.Builder
	last := p.i
	for p.i < len(p.lines) {
		l := &p.lines[p.i]
		if l.empty {
			return nil, false // blank lines in or after a block: the library's chomping rules
		}
		if l.indent < ci {
			if l.indent > parentIndent {
				return nil, false
			}
			break
		}
		sb.Write(l.raw[ci:])
		sb.WriteByte('\n')
		last = p.i
		p.i++
	}
	if !p.lines[last].lastNL {
		return nil, false
	}
	return sb.String(), true
}

// splitFastKey splits "key: rest" or "key:" with a plain key of a safe shape that reads as a
// string. rest is nil when the line ends after the colon.
func splitFastKey(t []byte) (string, []byte, bool) {
	k := 0
	for k < len(t) {
		c := t[k]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || k > 0 && (c >= '0' && c <= '9' || c == '.' || c == '-' || c == '/') {
			k++
			continue
		}
		break
	}
	if k == 0 || k > 1000 || k >= len(t) || t[k] != ':' {
		return "", nil, false
	}
	key := string(t[:k])
	if (&yaml.Node{Kind: yaml.ScalarNode, Value: key}).ShortTag() != "!!str" {
		return "", nil, false // true, null, ...: not a string key
	}
	if k+1 == len(t) {
		return key, nil, true
	}
	if t[k+1] != ' ' || k+2 == len(t) || t[k+2] == ' ' {
		return "", nil, false
	}
	return key, t[k+2:], true
}

// fastScalar reads a one-line value: a plain scalar, a double-quoted string without escapes,
// or an empty {} / [].
func fastScalar(s []byte) (any, bool) {
	if s[len(s)-1] == ' ' || s[len(s)-1] == ':' {
		return nil, false
	}
	switch string(s) {
	case "{}":
		return Branch{}, true
	case "[]":
		return []any(nil), true
	}
	if s[0] == '"' {
		if len(s) < 2 || s[len(s)-1] != '"' || bytes.ContainsAny(s[1:len(s)-1], "\"\\") {
			return nil, false
		}
		return string(s[1 : len(s)-1]), true
	}
	switch s[0] {
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '%', '@', '`':
		return nil, false
	case '-':
		if len(s) == 1 || s[1] == ' ' {
			return nil, false
		}
	}
	if bytes.IndexByte(s, '#') >= 0 || bytes.Contains(s, []byte(": ")) {
		return nil, false
	}
	if bytes.HasPrefix(s, []byte("ENC[")) {
		return string(s), true // sops' values: 'E' never starts another type
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: string(s)}
	n.Tag = n.ShortTag()
	if n.Tag == "!!merge" {
		return nil, false
	}
	v, err := yamlScalar(n)
	if err != nil {
		return nil, false
	}
	return v, true
}
