package sopsfile

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// A fast writer for the trees that make up most sops files: mappings and sequences without
// comments, whose keys and strings the library would write plain (or, for strings that read
// as another type, in double quotes without escapes), and multi-line strings that are a
// plain "|" block (the armored age data keys). It writes exactly what the library's emitter
// writes with sops' indentation of 4 — that emitter keeps every event of a document in memory
// and is most of the cost of writing a big file — and gives up (ok false) on anything else,
// for the library to write. FuzzParseYAML compares the two byte for byte.

type yamlFastWriter struct{ b []byte }

func yamlFastEmit(docs []Branch) ([]byte, bool) {
	w := &yamlFastWriter{b: make([]byte, 0, 4096)}
	for i, d := range docs {
		if i > 0 {
			w.b = append(w.b, "---\n"...)
		}
		if len(d) == 0 {
			w.b = append(w.b, "{}\n"...)
			continue
		}
		if !w.mapping(d, 0, 0, false) {
			return nil, false
		}
	}
	return w.b, true
}

func (w *yamlFastWriter) pad(n int) {
	for range n {
		w.b = append(w.b, ' ')
	}
}

// mapping writes m with its keys at column keyCol; nested blocks are indented from
// blockIndent (which is the dash's column for a mapping that is a sequence element).
// inlineFirst: the first key follows a "- " already written.
func (w *yamlFastWriter) mapping(m Branch, keyCol, blockIndent int, inlineFirst bool) bool {
	for i, it := range m {
		k, ok := it.Key.(string)
		if !ok || len(k) > 128 || !yamlPlainSafe(k) {
			return false
		}
		if i > 0 || !inlineFirst {
			w.pad(keyCol)
		}
		w.b = append(w.b, k...)
		w.b = append(w.b, ':')
		if !w.value(it.Value, blockIndent) {
			return false
		}
	}
	return true
}

// value writes what follows "key:".
func (w *yamlFastWriter) value(v any, blockIndent int) bool {
	switch v := v.(type) {
	case Branch:
		if len(v) == 0 {
			w.b = append(w.b, " {}\n"...)
			return true
		}
		w.b = append(w.b, '\n')
		return w.mapping(v, blockIndent+yamlIndent, blockIndent+yamlIndent, false)
	case []any:
		if len(v) == 0 {
			w.b = append(w.b, " []\n"...)
			return true
		}
		w.b = append(w.b, '\n')
		return w.sequence(v, blockIndent+yamlIndent)
	case string:
		if strings.IndexByte(v, '\n') >= 0 {
			return w.literal(v, blockIndent+yamlIndent)
		}
	}
	w.b = append(w.b, ' ')
	return w.scalar(v)
}

func (w *yamlFastWriter) sequence(list []any, dashCol int) bool {
	for _, e := range list {
		w.pad(dashCol)
		w.b = append(w.b, '-', ' ')
		switch e := e.(type) {
		case Branch:
			if len(e) == 0 {
				w.b = append(w.b, "{}\n"...)
				continue
			}
			if !w.mapping(e, dashCol+2, dashCol, true) {
				return false
			}
			continue
		case []any:
			if len(e) == 0 {
				w.b = append(w.b, "[]\n"...)
				continue
			}
			return false
		case string:
			if strings.IndexByte(e, '\n') >= 0 {
				return false
			}
		}
		if !w.scalar(e) {
			return false
		}
	}
	return true
}

// literal writes a "|" block: lines of simple text (see yamlSimpleASCII), none empty, none ending in a space,
// the first not starting with one, and exactly one final newline.
func (w *yamlFastWriter) literal(s string, col int) bool {
	if len(s) < 2 || s[len(s)-1] != '\n' || s[0] == ' ' || s[0] == '\n' {
		return false
	}
	body := s[:len(s)-1]
	for i := 0; i < len(body); i++ {
		if body[i] == '\n' && (body[i-1] == '\n' || body[i-1] == ' ' || i+1 == len(body)) {
			return false
		}
	}
	for line := range strings.SplitSeq(body, "\n") {
		if !yamlSimpleASCII(line) {
			return false
		}
	}
	if body[len(body)-1] == ' ' {
		return false
	}
	w.b = append(w.b, " |\n"...)
	for line := range strings.SplitSeq(body, "\n") {
		w.pad(col)
		w.b = append(w.b, line...)
		w.b = append(w.b, '\n')
	}
	return true
}

// scalar writes a one-line scalar and its newline.
func (w *yamlFastWriter) scalar(v any) bool {
	switch v := v.(type) {
	case string:
		switch {
		case yamlPlainSafe(v):
			w.b = append(w.b, v...)
		case yamlQuotedSafe(v):
			w.b = append(w.b, '"')
			w.b = append(w.b, v...)
			w.b = append(w.b, '"')
		default:
			return false
		}
	case int:
		w.b = strconv.AppendInt(w.b, int64(v), 10)
	case bool:
		w.b = strconv.AppendBool(w.b, v)
	case nil:
		w.b = append(w.b, "null"...)
	case float64:
		n, _ := yamlScalarNode(v)
		w.b = append(w.b, n.Value...)
	case time.Time:
		w.b = append(w.b, v.Format(time.RFC3339Nano)...)
	default:
		return false
	}
	w.b = append(w.b, '\n')
	return true
}

// yamlSimpleASCII reports whether s is text the library's emitter treats as printable and
// the parser reads back as it is: printable ASCII, and from the rest of Unicode what its
// is_printable accepts (U+00A0-U+D7FF, U+E000-U+FFFD but not the BOM), without the YAML 1.1
// line breaks U+2028 and U+2029. Tabs, line breaks, controls and runes beyond U+FFFF (which
// the emitter escapes) are not simple.
func yamlSimpleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c <= 0x7e {
			continue
		}
		if c < 0x80 {
			return false
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !yamlSimpleRune(r, size) {
			return false
		}
		i += size - 1
	}
	return true
}

func yamlSimpleRune(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size <= 1:
		return false
	case r == 0x2028 || r == 0x2029 || r == 0xFEFF:
		return false
	}
	return r >= 0xA0 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD
}

// yamlPlainSafe: the emitter writes s plain in a block mapping or sequence (a conservative
// reading of its scalar analysis) and it reads back as a string.
func yamlPlainSafe(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || s[len(s)-1] == ':' || !yamlSimpleASCII(s) {
		return false
	}
	switch s[0] {
	case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '?', ':', '-':
		if len(s) == 1 || s[1] == ' ' {
			return false
		}
	}
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") || strings.Contains(s, ": ") || strings.Contains(s, " #") {
		return false
	}
	if strings.HasPrefix(s, "ENC[") {
		return true // 'E' starts no other type
	}
	if yamlOldBool(s) || yamlBase60Float(s) {
		return false
	}
	return (&yaml.Node{Kind: yaml.ScalarNode, Value: s}).ShortTag() == "!!str"
}

// yamlQuotedSafe: s reads as another type when plain (a number, a bool, a null, "y"...), so
// the emitter double-quotes it; without '"' or '\' it needs no escapes.
func yamlQuotedSafe(s string) bool {
	if !yamlSimpleASCII(s) || strings.ContainsAny(s, "\"\\") {
		return false
	}
	if yamlOldBool(s) || yamlBase60Float(s) {
		return true
	}
	return (&yaml.Node{Kind: yaml.ScalarNode, Value: s}).ShortTag() != "!!str"
}
