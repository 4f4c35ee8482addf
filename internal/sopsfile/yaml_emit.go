package sopsfile

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Emitting YAML: the tree becomes yaml.Nodes and the library's encoder writes them, with
// sops' indentation. Comments go back onto nodes the way sops puts them: a run of comment
// items becomes the head comment of the next key (or element), inline ones its line
// comment, and a run at the end the foot comment of the last one.

func (s yamlStore) Emit(docs []Branch) ([]byte, error) {
	if len(docs) == 0 {
		return []byte{}, nil // an empty (or comment-only) file has no documents
	}
	indent := s.indentation()
	if indent == yamlIndent {
		// The fast writer knows only sops' default layout.
		if out, ok := yamlFastEmit(docs); ok {
			return out, nil
		}
	}
	return yamlEmitLibraryIndent(docs, indent)
}

// yamlEmitLibrary is the general path: the library's emitter, any tree.
func yamlEmitLibrary(docs []Branch) ([]byte, error) { return yamlEmitLibraryIndent(docs, yamlIndent) }

func yamlEmitLibraryIndent(docs []Branch, indent int) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(indent)
	for i, b := range docs {
		m := &yaml.Node{Kind: yaml.MappingNode}
		if err := yamlFillMapping(m, b); err != nil {
			return nil, fmt.Errorf("yaml: document %d: %w", i+1, err)
		}
		doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m}}
		if err := yamlEncode(enc, doc); err != nil {
			return nil, fmt.Errorf("yaml: document %d: %w", i+1, err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	return buf.Bytes(), nil
}

// yamlEncode turns the library's panics-as-errors into errors (it reports them as errors
// already; the recover is for safety on trees no parser produced).
func yamlEncode(enc *yaml.Encoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot encode tree: %v", r)
		}
	}()
	if err := enc.Encode(n); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
}

// EmitValue prints one --extract result: a string raw, a mapping as a whole YAML file (as
// sops does for an extracted branch), anything else as a YAML value.
func (s yamlStore) EmitValue(v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case Branch:
		return s.Emit([]Branch{v})
	}
	n, err := yamlValueNode(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(yamlIndent)
	if err := yamlEncode(enc, n); err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	return buf.Bytes(), nil
}

func yamlJoinComments(cs []string) string {
	if len(cs) == 0 {
		return ""
	}
	return "#" + strings.Join(cs, "\n#")
}

func prependHead(n *yaml.Node, cs []string) {
	if c := yamlJoinComments(cs); c != "" {
		if n.HeadComment != "" {
			n.HeadComment = c + "\n" + n.HeadComment
		} else {
			n.HeadComment = c
		}
	}
}

func appendLine(n *yaml.Node, cs []string) {
	if c := yamlJoinComments(cs); c != "" {
		if n.LineComment != "" {
			n.LineComment += "\n" + c
		} else {
			n.LineComment = c
		}
	}
}

func appendFoot(n *yaml.Node, cs []string) {
	if c := yamlJoinComments(cs); c != "" {
		if n.FootComment != "" {
			n.FootComment += "\n" + c
		} else {
			n.FootComment = c
		}
	}
}

func yamlFillMapping(m *yaml.Node, b Branch) error {
	var head, inline []string
	started := false
	m.Content = make([]*yaml.Node, 0, 2*len(b))
	for _, it := range b {
		if c, ok := it.Key.(Comment); ok {
			if c.Inline {
				inline = append(inline, c.Value)
			} else {
				head = append(head, c.Value)
			}
			continue
		}
		if !started {
			prependHead(m, head)
			head, started = nil, true
		}
		k, err := yamlScalarNode(it.Key)
		if err != nil {
			return fmt.Errorf("key %s: %w", describeKey(it.Key), err)
		}
		prependHead(k, head)
		head = nil
		v, err := yamlValueNode(it.Value)
		if err != nil {
			return fmt.Errorf("key %s: %w", describeKey(it.Key), err)
		}
		appendLine(v, inline)
		inline = nil
		m.Content = append(m.Content, k, v)
	}
	head = append(head, inline...)
	if len(head) > 0 {
		if !started {
			prependHead(m, head)
		} else {
			appendFoot(m.Content[len(m.Content)-2], head)
		}
	}
	return nil
}

func yamlFillSequence(s *yaml.Node, list []any) error {
	var head, inline []string
	started := false
	for i, e := range list {
		if c, ok := e.(Comment); ok {
			if c.Inline {
				inline = append(inline, c.Value)
			} else {
				head = append(head, c.Value)
			}
			continue
		}
		if !started {
			prependHead(s, head)
			head, started = nil, true
		}
		n, err := yamlValueNode(e)
		if err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
		prependHead(n, head)
		head = nil
		appendLine(n, inline)
		inline = nil
		s.Content = append(s.Content, n)
	}
	head = append(head, inline...)
	if len(head) > 0 {
		if !started {
			prependHead(s, head)
		} else {
			appendFoot(s.Content[len(s.Content)-1], head)
		}
	}
	return nil
}

func yamlValueNode(v any) (*yaml.Node, error) {
	switch v := v.(type) {
	case Branch:
		m := &yaml.Node{Kind: yaml.MappingNode}
		return m, yamlFillMapping(m, v)
	case []any:
		s := &yaml.Node{Kind: yaml.SequenceNode}
		return s, yamlFillSequence(s, v)
	}
	return yamlScalarNode(v)
}

// yamlScalarNode builds the node that yaml.Node.Encode would build for v (sops encodes every
// scalar that way), without Encode's cost: Encode emits the value as a document and parses it
// back, which is most of sops' time on big files. The node must carry the same tag and style
// for the emitter to make the same choices; the cases below are exactly those where a bare
// node would be written differently.
func yamlScalarNode(v any) (*yaml.Node, error) {
	n := &yaml.Node{Kind: yaml.ScalarNode}
	switch v := v.(type) {
	case string:
		if !isPlainUTF8(v) {
			return yamlEncodeSlow(v)
		}
		n.Tag, n.Value = "!!str", v
		// A plain string that would read back as something else is double quoted by the
		// emitter on its own; these two YAML 1.1 leftovers the library quotes only when
		// marshalling a Go string.
		if !strings.Contains(v, "\n") && (yamlOldBool(v) || yamlBase60Float(v)) {
			n.Style = yaml.DoubleQuotedStyle
		}
	case int:
		n.Value = strconv.Itoa(v)
	case bool:
		n.Value = strconv.FormatBool(v)
	case nil:
		n.Value = "null"
	case float64:
		s := strconv.FormatFloat(v, 'g', -1, 64)
		switch s {
		case "+Inf":
			s = ".inf"
		case "-Inf":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		}
		n.Value = s
	case time.Time:
		n.Value = v.Format(time.RFC3339Nano)
	case Comment:
		return nil, fmt.Errorf("a comment cannot stand as a value")
	default:
		return yamlEncodeSlow(v)
	}
	return n, nil
}

// yamlEncodeSlow is the library's own path, for the rare values the fast path does not
// cover (invalid UTF-8, which the library writes as !!binary; Go types no parser produces).
func yamlEncodeSlow(v any) (n *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("cannot encode a %T value", v)
		}
	}()
	n = &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return nil, fmt.Errorf("cannot encode a %T value", v)
	}
	return n, nil
}

func isPlainUTF8(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return utf8.ValidString(s)
		}
	}
	return true
}

// yamlOldBool: YAML 1.1 booleans that YAML 1.2 reads as strings.
func yamlOldBool(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return true
	}
	return false
}

// yamlBase60Float: YAML 1.1 sexagesimal numbers like 1:20 or -190:20:30.15.
func yamlBase60Float(s string) bool {
	if s == "" || strings.IndexByte(s, ':') < 0 {
		return false
	}
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i++
	}
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		return false
	}
	i++
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '_') {
		i++
	}
	groups := 0
	for i < len(s) && s[i] == ':' {
		i++
		d := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' && d < 2 {
			i++
			d++
		}
		if d == 0 {
			return false
		}
		if d == 2 && s[i-2] > '5' {
			return false
		}
		groups++
	}
	if groups == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '_') {
			i++
		}
	}
	return i == len(s)
}
