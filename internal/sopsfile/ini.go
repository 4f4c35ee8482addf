package sopsfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"gopkg.in/ini.v1"
)

// The INI store goes through gopkg.in/ini.v1 with the options sops uses (non-unique section
// names allowed), because that library's reading rules (quotes, inline comments, continuation)
// and writing rules (aligned " = ", quoting with `, " or """) are what sops files contain;
// a second implementation would drift from it silently.
//
// The tree is one item per section (DEFAULT first, as the library lists it), each a branch
// of the section's keys; a section's comment is its first item, a key's comment (which the
// file has above the key) the item after the key. The [sops] section holds the metadata
// flattened (see flatten.go) with newlines in values written as \n; Parse and Emit convert.

type iniStore struct{}

func init() { stores[INI] = iniStore{} }

func (iniStore) Parse(data []byte) ([]Branch, error) {
	f, err := iniLoad(data)
	if err != nil {
		return nil, iniParseError(data, err)
	}
	b := Branch{}
	for _, sec := range f.Sections() {
		items := Branch{}
		if sec.Comment != "" {
			items = append(items, Item{Key: Comment{Value: iniStripComment(sec.Comment)}})
		}
		for _, k := range sec.Keys() {
			items = append(items, Item{Key: k.Name(), Value: k.Value()})
			if k.Comment != "" {
				items = append(items, Item{Key: Comment{Value: iniStripComment(k.Comment)}})
			}
		}
		if sec.Name() == "sops" {
			meta, err := iniUnflattenMeta(items)
			if err != nil {
				return nil, fmt.Errorf("ini: [sops] section: %w", err)
			}
			b = append(b, Item{Key: "sops", Value: meta})
			continue
		}
		b = append(b, Item{Key: sec.Name(), Value: items})
	}
	return []Branch{b}, nil
}

// iniLoad parses with the library, turning a panic on odd input into an error.
func iniLoad(data []byte) (f *ini.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("cannot parse INI")
		}
	}()
	return ini.LoadSources(ini.LoadOptions{AllowNonUniqueSections: true}, data)
}

// iniParseError reports the line a parse error is on without the library's message, which
// quotes the line (and so, maybe, a value). The line is found by parsing ever longer prefixes.
func iniParseError(data []byte, err error) error {
	kind := "syntax error"
	switch err.(type) {
	case ini.ErrDelimiterNotFound:
		kind = "key-value delimiter not found"
	case ini.ErrEmptyKeyName:
		kind = "empty key name"
	default:
		// The library's other messages are a fixed phrase, then ": " and the line.
		msg := err.Error()
		for _, known := range []string{"unclosed section", "missing closing key quote", "empty section name", "BOM"} {
			if strings.HasPrefix(msg, known) {
				kind = known
			}
		}
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	lo, hi := 1, len(lines) // the smallest prefix of lines that fails
	for lo < hi {
		mid := (lo + hi) / 2
		if _, e := iniLoad(bytes.Join(lines[:mid], nil)); e != nil {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return fmt.Errorf("ini: line %d: %s", lo, kind)
}

// iniStripComment drops the comment marker and the spaces after it, as sops does.
func iniStripComment(c string) string {
	if strings.HasPrefix(c, ";") {
		return strings.TrimLeft(c, "; ")
	}
	if strings.HasPrefix(c, "#") {
		return strings.TrimLeft(c, "# ")
	}
	return c
}

func iniUnflattenMeta(items Branch) (Branch, error) {
	flat := make(Branch, 0, len(items))
	for _, it := range items {
		if s, ok := it.Value.(string); ok {
			it.Value = strings.ReplaceAll(s, `\n`, "\n")
		}
		flat = append(flat, it)
	}
	return unflattenMeta(flat)
}

func (iniStore) Emit(docs []Branch) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("ini: cannot encode tree")
		}
	}()
	f := ini.Empty(ini.LoadOptions{AllowNonUniqueSections: true})
	f.DeleteSection(ini.DefaultSection)
	for _, doc := range docs {
		for _, it := range doc {
			if _, ok := it.Key.(Comment); ok {
				continue
			}
			name, ok := it.Key.(string)
			if !ok {
				return nil, fmt.Errorf("ini: section name of type %T", it.Key)
			}
			items, ok := it.Value.(Branch)
			if !ok {
				return nil, fmt.Errorf("ini: key %q: top-level values must be sections (mappings)", name)
			}
			if name == "sops" {
				if items, err = iniFlattenMeta(items); err != nil {
					return nil, fmt.Errorf("ini: %w", err)
				}
			}
			sec, err := f.NewSection(name)
			if err != nil {
				return nil, fmt.Errorf("ini: section %q: %w", name, err)
			}
			first := 0
			if len(items) > 0 {
				if c, ok := items[0].Key.(Comment); ok {
					sec.Comment = c.Value
					first = 1
				}
			}
			var last *ini.Key
			for _, kv := range items[first:] {
				if c, ok := kv.Key.(Comment); ok {
					if last != nil {
						last.Comment = c.Value
					}
					continue
				}
				last, err = sec.NewKey(fmt.Sprint(kv.Key), flatValueString(kv.Value))
				if err != nil {
					return nil, fmt.Errorf("ini: section %q: %w", name, err)
				}
			}
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("ini: %w", err)
	}
	return buf.Bytes(), nil
}

func iniFlattenMeta(m Branch) (Branch, error) {
	flat, err := flattenMeta(m, "")
	if err != nil {
		return nil, err
	}
	for i, it := range flat {
		if s, ok := it.Value.(string); ok {
			flat[i].Value = strings.ReplaceAll(s, "\n", `\n`)
		}
	}
	return flat, nil
}

// EmitValue: a string raw, a mapping as INI sections (as sops prints an extracted branch),
// anything else as compact JSON (sops' INI store falls back to encoding/json).
func (s iniStore) EmitValue(v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case Branch:
		return s.Emit([]Branch{v})
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("ini: cannot encode a %T value", v)
	}
	return out, nil
}
