package sopsfile

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Key paths in sops' --extract / set syntax: ["a"]['b'][0]. Indexes count list elements as
// the tree holds them, comments included, as sops does.

func parseKeyPath(s string) (KeyPath, error) {
	var p KeyPath
	i := 0
	for i < len(s) {
		if s[i] != '[' {
			return nil, fmt.Errorf("key path: expected [ at offset %d", i)
		}
		i++
		if i >= len(s) {
			return nil, errors.New("key path: unterminated [")
		}
		if q := s[i]; q == '"' || q == '\'' {
			end := strings.Index(s[i+1:], string(q)+"]")
			if end < 0 {
				return nil, fmt.Errorf("key path: unterminated %c at offset %d", q, i)
			}
			p = append(p, s[i+1:i+1+end])
			i += 1 + end + 2
			continue
		}
		end := strings.IndexByte(s[i:], ']')
		if end < 0 {
			return nil, fmt.Errorf("key path: unterminated [ at offset %d", i-1)
		}
		n, err := strconv.Atoi(s[i : i+end])
		if err != nil || n < 0 {
			return nil, fmt.Errorf("key path: %q at offset %d is neither a quoted key nor a list index", s[i:i+end], i)
		}
		p = append(p, n)
		i += end + 1
	}
	if len(p) == 0 {
		return nil, errors.New("key path is empty")
	}
	return p, nil
}

// String formats p back to the --extract syntax.
func (p KeyPath) String() string {
	var b strings.Builder
	for _, e := range p {
		switch e := e.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(e) + "]")
		case string:
			b.WriteString("[" + strconv.Quote(e) + "]")
		}
	}
	return b.String()
}

func (f *File) lookup(p KeyPath) (any, error) {
	if len(f.Docs) == 0 {
		return nil, fmt.Errorf("%s: no document", f.Path)
	}
	var cur any = f.Docs[0]
	for i, e := range p {
		switch e := e.(type) {
		case string:
			b, ok := cur.(Branch)
			if !ok {
				return nil, fmt.Errorf("%s: %s is not a mapping", f.Path, p[:i])
			}
			v, ok := b.Get(e)
			if !ok {
				return nil, fmt.Errorf("%s: key %s not found", f.Path, p[:i+1])
			}
			cur = v
		case int:
			l, ok := cur.([]any)
			if !ok {
				return nil, fmt.Errorf("%s: %s is not a list", f.Path, p[:i])
			}
			if e >= len(l) {
				return nil, fmt.Errorf("%s: index %s out of range (%d elements)", f.Path, p[:i+1], len(l))
			}
			cur = l[e]
		default:
			return nil, fmt.Errorf("%s: bad key path element of type %T", f.Path, e)
		}
	}
	return cur, nil
}

// fromPath builds the value that holds leaf at path p below nothing.
func fromPath(p KeyPath, leaf any) any {
	if len(p) == 0 {
		return leaf
	}
	inner := fromPath(p[1:], leaf)
	if _, ok := p[0].(int); ok {
		return []any{inner}
	}
	return Branch{{Key: p[0], Value: inner}}
}

func setIn(cur any, p KeyPath, v any) (any, error) {
	if len(p) == 0 {
		return v, nil
	}
	switch e := p[0].(type) {
	case string:
		b, ok := cur.(Branch)
		if !ok {
			return fromPath(p, v), nil
		}
		for i := range b {
			if k, ok := b[i].Key.(string); ok && k == e {
				nv, err := setIn(b[i].Value, p[1:], v)
				if err != nil {
					return nil, err
				}
				b[i].Value = nv
				return b, nil
			}
		}
		return append(b, Item{Key: e, Value: fromPath(p[1:], v)}), nil
	case int:
		l, ok := cur.([]any)
		if !ok {
			return fromPath(p, v), nil
		}
		if e >= len(l) {
			return append(l, fromPath(p[1:], v)), nil
		}
		nv, err := setIn(l[e], p[1:], v)
		if err != nil {
			return nil, err
		}
		l[e] = nv
		return l, nil
	}
	return nil, fmt.Errorf("bad key path element of type %T", p[0])
}

func (f *File) set(p KeyPath, v any) error {
	if len(p) == 0 {
		return fmt.Errorf("%s: empty key path", f.Path)
	}
	if _, ok := p[0].(string); !ok {
		return fmt.Errorf("%s: a key path must start with a key, not a list index", f.Path)
	}
	if len(p) == 1 && p[0] == metadataKey && f.Format != Dotenv {
		return fmt.Errorf("%s: the top-level key %q is reserved for sops metadata", f.Path, metadataKey)
	}
	if len(f.Docs) == 0 {
		f.Docs = []Branch{{}}
	}
	nv, err := setIn(f.Docs[0], p, v)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	f.Docs[0] = nv.(Branch)
	return nil
}

func unsetIn(cur any, p KeyPath) (any, error) {
	switch e := p[0].(type) {
	case string:
		b, ok := cur.(Branch)
		if !ok {
			return nil, fmt.Errorf("not a mapping")
		}
		for i := range b {
			if k, ok := b[i].Key.(string); ok && k == e {
				if len(p) == 1 {
					return append(b[:i:i], b[i+1:]...), nil
				}
				nv, err := unsetIn(b[i].Value, p[1:])
				if err != nil {
					return nil, err
				}
				b[i].Value = nv
				return b, nil
			}
		}
		return nil, errNotFound
	case int:
		l, ok := cur.([]any)
		if !ok {
			return nil, fmt.Errorf("not a list")
		}
		if e >= len(l) {
			return nil, errNotFound
		}
		if len(p) == 1 {
			return append(l[:e:e], l[e+1:]...), nil
		}
		nv, err := unsetIn(l[e], p[1:])
		if err != nil {
			return nil, err
		}
		l[e] = nv
		return l, nil
	}
	return nil, fmt.Errorf("bad key path element of type %T", p[0])
}

// ErrNotFound is returned by Unset (wrapped) when the key path does not exist.
var ErrNotFound = errors.New("key not found")

var errNotFound = ErrNotFound

func (f *File) unset(p KeyPath) error {
	if len(p) == 0 || len(f.Docs) == 0 {
		return fmt.Errorf("%s: key %s: %w", f.Path, p, ErrNotFound)
	}
	nv, err := unsetIn(f.Docs[0], p)
	if err != nil {
		return fmt.Errorf("%s: key %s: %w", f.Path, p, err)
	}
	f.Docs[0] = nv.(Branch)
	return nil
}
