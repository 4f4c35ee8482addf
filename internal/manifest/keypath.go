package manifest

import (
	"fmt"
	"strconv"
	"strings"
)

// KeyPath parses Key into path elements: string for a map key, int for a list index; nil
// means the whole file. Two forms are accepted:
//
//	"a/b/c"            sops-nix's form: nested map keys, split at '/', each taken literally
//	["a"]["b"][0]      sops' --extract form: quoted map keys ('...' or "..."), list indices
//
// A key that starts with '[' is the bracket form. In the bracket form a quoted key ends at
// the first closing quote followed by ']', so it may contain '/', '[' and the other quote.
func (s *SopsSource) KeyPath() ([]any, error) {
	return ParseKey(s.Key)
}

// ParseKey is KeyPath for a bare key string.
func ParseKey(k string) ([]any, error) {
	if k == "" {
		return nil, nil
	}
	if !strings.HasPrefix(k, "[") {
		parts := strings.Split(k, "/")
		out := make([]any, len(parts))
		for i, p := range parts {
			if p == "" {
				return nil, fmt.Errorf("key %q: empty component (write it in the [\"a\"][\"\"] form)", k)
			}
			out[i] = p
		}
		return out, nil
	}
	var out []any
	rest := k
	for rest != "" {
		if rest[0] != '[' || len(rest) < 3 {
			return nil, fmt.Errorf("key %q: expected [\"name\"] or [index] at %q", k, rest)
		}
		switch q := rest[1]; q {
		case '"', '\'':
			end := strings.Index(rest[2:], string(q)+"]")
			if end < 0 {
				return nil, fmt.Errorf("key %q: unterminated %c", k, q)
			}
			out = append(out, rest[2:2+end])
			rest = rest[2+end+2:]
		default:
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("key %q: missing ']'", k)
			}
			digits := rest[1:end]
			n, err := strconv.Atoi(digits)
			if err != nil || n < 0 || digits != strconv.Itoa(n) {
				return nil, fmt.Errorf("key %q: %q is neither a quoted name nor a list index", k, digits)
			}
			out = append(out, n)
			rest = rest[end+1:]
		}
	}
	return out, nil
}

// FormatKey writes a key path in the form ParseKey reads back: the slash form when every
// element is a plain map key, else the bracket form. ok is false when some map key contains
// both "] and '] (no form can hold it).
func FormatKey(p []any) (s string, ok bool) {
	slash := len(p) > 0
	for i, e := range p {
		str, isStr := e.(string)
		if !isStr || str == "" || strings.Contains(str, "/") || (i == 0 && strings.HasPrefix(str, "[")) {
			slash = false
		}
	}
	if slash {
		parts := make([]string, len(p))
		for i, e := range p {
			parts[i] = e.(string)
		}
		return strings.Join(parts, "/"), true
	}
	var b strings.Builder
	for _, e := range p {
		switch v := e.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(v) + "]")
		case string:
			q, qok := quoteKeyComponent(v)
			if !qok {
				return "", false
			}
			b.WriteString(q)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// quoteKeyComponent writes one map key in the bracket form.
func quoteKeyComponent(k string) (string, bool) {
	if !strings.Contains(k, `"]`) {
		return `["` + k + `"]`, true
	}
	if !strings.Contains(k, `']`) {
		return `['` + k + `']`, true
	}
	return "", false
}
