package template

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
)

// HushPrefix opens a hush placeholder <hush:NAME>; the name runs to the next '>'.
const HushPrefix = "<hush:"

// maxNameLen bounds a hush placeholder's name, so an unterminated "<hush:" fails fast.
const maxNameLen = 4096

// SopsPlaceholder is sops-nix's default placeholder for a secret:
// "<SOPS:" + hex(sha256(name)) + ":PLACEHOLDER>".
func SopsPlaceholder(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "<SOPS:" + hex.EncodeToString(sum[:]) + ":PLACEHOLDER>"
}

// Options say which placeholders a Renderer recognises.
type Options struct {
	// Hush enables <hush:NAME>.
	Hush bool
	// Literals maps a literal placeholder string to the secret name it stands for.
	Literals map[string]string
}

// Options returns what the renderer was built from (a copy: the renderer stays immutable),
// so that a cached form of it can be rebuilt with New.
func (r *Renderer) Options() Options {
	lits := make(map[string]string, len(r.literals))
	for k, v := range r.literals {
		lits[k] = v
	}
	return Options{Hush: r.hush, Literals: lits}
}

// Renderer finds and replaces placeholders. It is immutable and safe for concurrent use.
type Renderer struct {
	hush bool
	// byFirst[b] lists, longest first, the lengths of literals starting with byte b;
	// literals maps the literal to its secret name.
	byFirst  [256][]int
	literals map[string]string
	// first[b] says a placeholder may start with byte b.
	first [256]bool
	// only is the single possible first byte when there is exactly one (fast IndexByte
	// scanning), else -1.
	only int
}

// New builds a Renderer. Empty literals are an error (they would match everywhere).
func New(opts Options) (*Renderer, error) {
	r := &Renderer{hush: opts.Hush, literals: make(map[string]string, len(opts.Literals))}
	lengths := map[byte]map[int]bool{}
	for lit, name := range opts.Literals {
		if lit == "" {
			return nil, fmt.Errorf("template: secret %q has an empty placeholder", name)
		}
		r.literals[lit] = name
		b := lit[0]
		if lengths[b] == nil {
			lengths[b] = map[int]bool{}
		}
		lengths[b][len(lit)] = true
		r.first[b] = true
	}
	for b, ls := range lengths {
		for l := range ls {
			r.byFirst[b] = append(r.byFirst[b], l)
		}
		sort.Sort(sort.Reverse(sort.IntSlice(r.byFirst[b])))
	}
	if r.hush {
		r.first['<'] = true
	}
	r.only = -1
	n := 0
	for b := range r.first {
		if r.first[b] {
			n++
			r.only = b
		}
	}
	if n != 1 {
		r.only = -1
	}
	return r, nil
}

// Ref is one placeholder occurrence.
type Ref struct {
	Name   string // the secret it stands for
	Offset int    // byte offset in the template
	Len    int    // length of the placeholder text
}

// match returns the placeholder at content[i:], if any: the longest literal or hush
// placeholder starting there. err is set for a malformed hush placeholder.
func (r *Renderer) match(content []byte, i int) (name string, n int, err error) {
	for _, l := range r.byFirst[content[i]] {
		if i+l > len(content) {
			continue
		}
		if nm, ok := r.literals[string(content[i:i+l])]; ok {
			name, n = nm, l
			break // lengths are sorted longest first
		}
	}
	if r.hush && bytes.HasPrefix(content[i:], []byte(HushPrefix)) {
		start := i + len(HushPrefix)
		rest := content[start:]
		if len(rest) > maxNameLen+1 {
			rest = rest[:maxNameLen+1]
		}
		end := bytes.IndexByte(rest, '>')
		switch {
		case end < 0:
			if n == 0 {
				return "", 0, fmt.Errorf("offset %d: %q without a closing '>'", i, HushPrefix)
			}
		case end == 0:
			if n == 0 {
				return "", 0, fmt.Errorf("offset %d: empty secret name in %s>", i, HushPrefix)
			}
		default:
			if hl := len(HushPrefix) + end + 1; hl > n {
				nm := string(rest[:end])
				if bytes.ContainsAny(rest[:end], "\x00\n<") {
					return "", 0, fmt.Errorf("offset %d: invalid secret name in hush placeholder", i)
				}
				return nm, hl, nil
			}
		}
	}
	return name, n, nil
}

// next returns the index of the next possible placeholder start at or after i, or -1.
func (r *Renderer) next(content []byte, i int) int {
	if r.only >= 0 {
		j := bytes.IndexByte(content[i:], byte(r.only))
		if j < 0 {
			return -1
		}
		return i + j
	}
	for ; i < len(content); i++ {
		if r.first[content[i]] {
			return i
		}
	}
	return -1
}

// Refs lists every placeholder in content, in order.
func (r *Renderer) Refs(content []byte) ([]Ref, error) {
	var refs []Ref
	for i := 0; i < len(content); {
		j := r.next(content, i)
		if j < 0 {
			break
		}
		name, n, err := r.match(content, j)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			i = j + 1
			continue
		}
		refs = append(refs, Ref{Name: name, Offset: j, Len: n})
		i = j + n
	}
	return refs, nil
}

// Names lists the distinct secret names content references, sorted.
func (r *Renderer) Names(content []byte) ([]string, error) {
	refs, err := r.Refs(content)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, ref := range refs {
		if !seen[ref.Name] {
			seen[ref.Name] = true
			names = append(names, ref.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// Render replaces every placeholder in content with value(name). value returns false for a
// name it does not know; Render then fails naming the placeholder's offset and the name
// (names are not secret). Values are copied, never re-scanned.
func (r *Renderer) Render(content []byte, value func(name string) ([]byte, bool)) ([]byte, error) {
	out := make([]byte, 0, len(content))
	for i := 0; i < len(content); {
		j := r.next(content, i)
		if j < 0 {
			out = append(out, content[i:]...)
			break
		}
		name, n, err := r.match(content, j)
		if err != nil {
			clear(out) // it may hold values already substituted
			return nil, err
		}
		if n == 0 {
			out = append(out, content[i:j+1]...)
			i = j + 1
			continue
		}
		v, ok := value(name)
		if !ok {
			clear(out)
			return nil, fmt.Errorf("offset %d: placeholder for unknown secret %q", j, shorten(name))
		}
		out = append(out, content[i:j]...)
		out = append(out, v...)
		i = j + n
	}
	return out, nil
}

// shorten bounds a name quoted in an error (a hush placeholder's name may be 4 KiB).
func shorten(s string) string {
	if len(s) <= 80 {
		return s
	}
	return s[:77] + "..."
}
