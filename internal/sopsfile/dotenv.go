package sopsfile

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The dotenv store, as sops reads and writes it: one KEY=VALUE per line, split at the first
// '='; nothing is trimmed or unquoted; a line starting with '#' is a comment; blank lines
// are dropped; a newline in a value is written as the two characters \n (and \n read back
// as a newline). The metadata is in sops_-prefixed flat keys (see flatten.go); Parse gathers
// them into one "sops" item where the first of them stood, Emit writes it back flat.

type dotenvStore struct{}

func init() { stores[Dotenv] = dotenvStore{} }

func (dotenvStore) Parse(data []byte) ([]Branch, error) {
	var b Branch
	var meta Branch
	metaAt := -1
	line := 0
	for len(data) > 0 || line == 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		if len(l) == 0 {
			if data == nil {
				break
			}
			continue
		}
		if l[0] == '#' {
			b = append(b, Item{Key: Comment{Value: string(l[1:])}})
			continue
		}
		eq := bytes.IndexByte(l, '=')
		if eq < 0 {
			return nil, fmt.Errorf("dotenv: line %d: invalid line (no '=')", line)
		}
		key := string(l[:eq])
		value := string(l[eq+1:])
		if strings.Contains(value, `\n`) {
			value = strings.ReplaceAll(value, `\n`, "\n")
		}
		if strings.HasPrefix(key, sopsFlatPrefix) {
			if metaAt < 0 {
				metaAt = len(b)
				b = append(b, Item{Key: "sops"})
			}
			meta = append(meta, Item{Key: key[len(sopsFlatPrefix):], Value: value})
			continue
		}
		b = append(b, Item{Key: key, Value: value})
	}
	if metaAt >= 0 {
		m, err := unflattenMeta(meta)
		if err != nil {
			return nil, fmt.Errorf("dotenv: sops_ keys: %w", err)
		}
		b[metaAt].Value = m
	}
	if b == nil {
		b = Branch{}
	}
	return []Branch{b}, nil
}

func (dotenvStore) Emit(docs []Branch) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("dotenv: no document to write")
	}
	var buf bytes.Buffer
	for _, it := range docs[0] {
		if c, ok := it.Key.(Comment); ok {
			buf.WriteByte('#')
			buf.WriteString(c.Value)
			buf.WriteByte('\n')
			continue
		}
		if m, ok := it.Value.(Branch); ok && it.Key == "sops" {
			flat, err := flattenMeta(m, sopsFlatPrefix)
			if err != nil {
				return nil, fmt.Errorf("dotenv: %w", err)
			}
			for _, f := range flat {
				writeDotenvLine(&buf, f.Key.(string), f.Value)
			}
			continue
		}
		switch it.Value.(type) {
		case Branch, []any:
			return nil, fmt.Errorf("dotenv: key %v: a nested mapping or list cannot be written to a dotenv file", it.Key)
		}
		writeDotenvLine(&buf, fmt.Sprint(it.Key), it.Value)
	}
	return buf.Bytes(), nil
}

func writeDotenvLine(buf *bytes.Buffer, key string, v any) {
	buf.WriteString(key)
	buf.WriteByte('=')
	if s, ok := v.(string); ok {
		buf.WriteString(strings.ReplaceAll(s, "\n", `\n`))
	} else {
		buf.WriteString(flatValueString(v))
	}
	buf.WriteByte('\n')
}

// flatValueString writes a non-string value the way sops' flat stores do (stores.ValToString):
// floats keep a decimal point ("1.0"), large ones use an upper-case exponent, a null is
// "<nil>" (Go's %v), a time is RFC 3339.
func flatValueString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		s := strconv.FormatFloat(v, 'G', -1, 64)
		if !strings.ContainsAny(s, ".E") {
			s = strconv.FormatFloat(v, 'f', 1, 64)
		}
		return s
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.Format(time.RFC3339)
	case int:
		return strconv.Itoa(v)
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprintf("%v", v)
}

func (s dotenvStore) EmitValue(v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case Branch:
		return s.Emit([]Branch{v})
	}
	return nil, fmt.Errorf("dotenv: only strings can be extracted, got a %T", v)
}
