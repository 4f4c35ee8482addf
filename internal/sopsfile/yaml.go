package sopsfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML store. It goes through go.yaml.in/yaml/v3's node API, the library sops uses, so
// that the emitter (indentation, quoting, literal blocks, comment placement) is the very one
// that wrote sops' output. What sops adds on top — how comments become tree items and back —
// is reproduced here rule for rule; see yamlComments and the emit side. For the plain subset
// sops itself writes, yaml_fast.go and yaml_fast_emit.go do the same work several times
// faster and hand everything else to this general path.

// yamlIndent is sops' default YAML indentation (stores/yaml IndentDefault).
const yamlIndent = 4

// yamlStore's indent is stores.yaml.indent (0: yamlIndent).
type yamlStore struct{ indent int }

func (s yamlStore) indentation() int {
	if s.indent == 0 {
		return yamlIndent
	}
	return s.indent
}

func init() { stores[YAML] = yamlStore{} }

// Aliases may expand to far more nodes than the file holds ("billion laughs"). The limit is
// the library's own rule for decoding (which sops' first pass applies): past 1,000 nodes,
// those reached through aliases may be at most 99% of all, falling to 10% from 4,000,000.
const yamlMaxDepth = 10000

type yamlReader struct {
	visited, viaAlias int
	aliasDepth        int // > 0 while inside an alias expansion
	active            map[*yaml.Node]bool
}

func (yamlStore) Parse(data []byte) ([]Branch, error) {
	if docs, ok := yamlFastParse(data); ok {
		return docs, nil
	}
	return yamlParseLibrary(data)
}

// yamlParseLibrary is the general path: the library's parser, any YAML.
func yamlParseLibrary(data []byte) ([]Branch, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	r := &yamlReader{active: map[*yaml.Node]bool{}}
	var docs []Branch
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, yamlSyntaxError(err)
		}
		b, err := r.document(&doc)
		if err != nil {
			return nil, fmt.Errorf("yaml: document %d: %w", len(docs)+1, err)
		}
		docs = append(docs, b)
	}
	return docs, nil
}

// yamlSyntaxError keeps the library's message (which says "line N: ...") but drops anything
// it quotes between backticks: a few messages quote the offending scalar, which may be secret.
func yamlSyntaxError(err error) error {
	msg := err.Error()
	var out strings.Builder
	for {
		i := strings.IndexByte(msg, '`')
		if i < 0 {
			out.WriteString(msg)
			break
		}
		out.WriteString(msg[:i])
		j := strings.IndexByte(msg[i+1:], '`')
		if j < 0 {
			break
		}
		out.WriteString("(value hidden)")
		msg = msg[i+1+j+1:]
	}
	s := out.String()
	if !strings.HasPrefix(s, "yaml:") {
		s = "yaml: " + s
	}
	return errors.New(s)
}

func (r *yamlReader) spend(n *yaml.Node) error {
	r.visited++
	if r.aliasDepth > 0 {
		r.viaAlias++
	}
	if r.viaAlias > 100 && r.visited > 1000 && float64(r.viaAlias)/float64(r.visited) > allowedAliasRatio(r.visited) {
		return fmt.Errorf("line %d: aliases expand to too many nodes", n.Line)
	}
	return nil
}

func allowedAliasRatio(visited int) float64 {
	const lo, hi = 400000, 4000000
	switch {
	case visited <= lo:
		return 0.99
	case visited >= hi:
		return 0.10
	}
	return 0.99 - 0.89*(float64(visited-lo)/(hi-lo))
}

// yamlComments splits a node comment ("# a\n# b") into tree comments, dropping the leading
// '#' of each line as sops does (blank lines are dropped).
func yamlComments(c string, inline bool, add func(Comment)) {
	if c == "" {
		return
	}
	for _, line := range strings.Split(c, "\n") {
		if line != "" {
			add(Comment{Value: line[1:], Inline: inline})
		}
	}
}

func addToBranch(b *Branch) func(Comment) {
	return func(c Comment) { *b = append(*b, Item{Key: c}) }
}

func addToList(l *[]any) func(Comment) {
	return func(c Comment) { *l = append(*l, c) }
}

func (r *yamlReader) document(doc *yaml.Node) (Branch, error) {
	b := Branch{}
	if err := r.intoBranch(doc, &b, false, 0); err != nil {
		return nil, err
	}
	return b, nil
}

// intoBranch appends a document or mapping node's entries to b. commentsDone says whether
// the caller already took n's own head and line comments.
func (r *yamlReader) intoBranch(n *yaml.Node, b *Branch, commentsDone bool, depth int) error {
	if depth > yamlMaxDepth {
		return fmt.Errorf("line %d: nesting too deep", n.Line)
	}
	if err := r.spend(n); err != nil {
		return err
	}
	add := addToBranch(b)
	if !commentsDone {
		yamlComments(n.HeadComment, false, add)
		yamlComments(n.LineComment, false, add)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := r.intoBranch(c, b, false, depth+1); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		return fmt.Errorf("line %d: a YAML document that is a sequence is not supported (wrap it in a mapping)", n.Line)
	case yaml.ScalarNode:
		// "---" alone, or an explicit null, is an empty document.
		if n.ShortTag() != "!!null" {
			return fmt.Errorf("line %d: a YAML document that is a single value is not supported", n.Line)
		}
	case yaml.AliasNode:
		if r.active[n.Alias] {
			return fmt.Errorf("line %d: alias refers to itself", n.Line)
		}
		r.active[n.Alias] = true
		r.aliasDepth++
		err := r.intoBranch(n.Alias, b, false, depth+1)
		r.aliasDepth--
		delete(r.active, n.Alias)
		if err != nil {
			return err
		}
	case yaml.MappingNode:
		if err := r.mappingEntries(n, b, depth); err != nil {
			return err
		}
	}
	if !commentsDone {
		yamlComments(n.FootComment, false, add)
	}
	return nil
}

func (r *yamlReader) mappingEntries(n *yaml.Node, b *Branch, depth int) error {
	add := addToBranch(b)
	// Duplicates are judged on the key's text, as the library's check that sops runs does
	// (so 0 and 0.0 are two keys, "a" and a one).
	var seen map[string]int
	if len(n.Content) > 2 {
		seen = make(map[string]int, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		yamlComments(k.HeadComment, false, add)
		yamlComments(k.LineComment, false, add)
		scalarLike := v.Kind == yaml.ScalarNode || v.Kind == yaml.AliasNode
		if scalarLike {
			yamlComments(v.HeadComment, false, add)
			yamlComments(v.LineComment, true, add)
		}
		key, err := r.key(k)
		if err != nil {
			return err
		}
		if seen != nil && k.Kind == yaml.ScalarNode {
			if line, dup := seen[k.Value]; dup {
				return fmt.Errorf("line %d: mapping key %s already defined at line %d", k.Line, describeKey(key), line)
			}
			seen[k.Value] = k.Line
		}
		val, err := r.value(v, scalarLike, depth+1)
		if err != nil {
			return err
		}
		*b = append(*b, Item{Key: key, Value: val})
		if scalarLike {
			yamlComments(v.FootComment, false, add)
		}
		yamlComments(k.FootComment, false, add)
	}
	return nil
}

// describeKey names a key in an error; keys are not secret in sops files (they stay in clear).
func describeKey(k any) string {
	if s, ok := k.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%v", k)
}

func (r *yamlReader) key(k *yaml.Node) (any, error) {
	for k.Kind == yaml.AliasNode {
		if k.Alias == nil || r.active[k.Alias] {
			return nil, fmt.Errorf("line %d: bad alias as mapping key", k.Line)
		}
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("line %d: a mapping or sequence as mapping key is not supported", k.Line)
	}
	return yamlScalar(k)
}

// yamlScalar decodes a scalar as the library does into an interface{} (so that "1.0" is a
// float, 2001-12-14 a time, and so on), with a fast path for the common plain string.
func yamlScalar(n *yaml.Node) (any, error) {
	tag := n.ShortTag()
	if tag == "!!str" {
		return n.Value, nil
	}
	// Plain, untagged scalars of the usual shapes, decoded without the library's
	// per-call decoder (it builds one for every Decode). Anything unusual — hex or octal
	// ints, underscores, exponents, .inf, explicit tags — takes the library's path.
	if n.Style == 0 {
		switch tag {
		case "!!null":
			return nil, nil
		case "!!bool":
			switch n.Value {
			case "true", "True", "TRUE":
				return true, nil
			case "false", "False", "FALSE":
				return false, nil
			}
		case "!!int":
			if plainDecimal(n.Value, false) {
				if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
					return int(i), nil
				}
			}
		case "!!float":
			if plainDecimal(n.Value, true) {
				if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
					return f, nil
				}
			}
		}
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, fmt.Errorf("line %d: cannot decode %s value", n.Line, n.ShortTag())
	}
	return v, nil
}

func (r *yamlReader) value(n *yaml.Node, commentsDone bool, depth int) (any, error) {
	if depth > yamlMaxDepth {
		return nil, fmt.Errorf("line %d: nesting too deep", n.Line)
	}
	if err := r.spend(n); err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.SequenceNode:
		list := []any{}
		add := addToList(&list)
		if !commentsDone {
			yamlComments(n.HeadComment, false, add)
			yamlComments(n.LineComment, false, add)
		}
		for _, e := range n.Content {
			yamlComments(e.HeadComment, false, add)
			yamlComments(e.LineComment, true, add)
			v, err := r.value(e, true, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
			yamlComments(e.FootComment, false, add)
		}
		if !commentsDone {
			yamlComments(n.FootComment, false, add)
		}
		if len(list) == 0 {
			return []any(nil), nil
		}
		return list, nil
	case yaml.MappingNode:
		b := Branch{}
		if err := r.intoBranch(n, &b, commentsDone, depth); err != nil {
			return nil, err
		}
		return b, nil
	case yaml.ScalarNode:
		return yamlScalar(n)
	case yaml.AliasNode:
		if n.Alias == nil || r.active[n.Alias] {
			return nil, fmt.Errorf("line %d: alias refers to itself", n.Line)
		}
		r.active[n.Alias] = true
		r.aliasDepth++
		v, err := r.value(n.Alias, false, depth+1)
		r.aliasDepth--
		delete(r.active, n.Alias)
		return v, err
	}
	return nil, nil
}

// plainDecimal: -?(0|[1-9][0-9]*), and with frac a mandatory .[0-9]+ after it.
func plainDecimal(s string, frac bool) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start || s[start] == '0' && i-start > 1 {
		return false
	}
	if !frac {
		return i == len(s)
	}
	if i >= len(s) || s[i] != '.' {
		return false
	}
	i++
	fs := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i > fs && i == len(s)
}
