package nixstore

import (
	"fmt"
	"sort"
	"strconv"
)

// Field names the part of a .drv a string literal belongs to, so that a leak finding in a
// .drv can say "attribute curlOpts" rather than "byte 1234".
type Field struct {
	// Kind is one of "output", "inputDrv", "inputSrc", "system", "builder", "arg", "env",
	// "version".
	Kind string
	// Name is the attribute name for "env", the output name for "output", the derivation
	// path for "inputDrv"; empty otherwise.
	Name string
	// Index is the position in args or inputSrcs; 0 otherwise.
	Index int
	// Key is true when the literal is the name of an env entry, not its value.
	Key bool
	// Member is, for the __json entry of a derivation with structured attributes, the JSON
	// path of the member at the located offset (e.g. "nested.b[1]"); set by Locate.
	Member string
}

// String renders the field the way a finding names it, e.g. `attribute "curlOpts"`, `args[2]`.
func (f Field) String() string {
	switch f.Kind {
	case "env":
		if f.Member != "" {
			return "structured attribute " + strconv.Quote(f.Member)
		}
		if f.Key {
			return "attribute name " + strconv.Quote(f.Name)
		}
		return "attribute " + strconv.Quote(f.Name)
	case "arg":
		return fmt.Sprintf("args[%d]", f.Index)
	case "inputSrc":
		return fmt.Sprintf("inputSrcs[%d]", f.Index)
	case "output":
		return "output " + strconv.Quote(f.Name)
	case "inputDrv":
		return "inputDrv " + strconv.Quote(f.Name)
	}
	return f.Kind
}

// Span is one string literal of a .drv file: its bytes are data[Start:End], quotes
// included, and it belongs to Field.
type Span struct {
	Start, End int
	Field      Field
}

// Spans returns every string literal of the parsed file in file order.
func (d *Derivation) Spans() []Span { return d.spans }

// Locate names the field whose string literal contains byte offset off of the parsed file,
// so a match found in the raw .drv bytes can be reported as the attribute that holds it.
func (d *Derivation) Locate(off int) (Field, bool) {
	i := sort.Search(len(d.spans), func(i int) bool { return d.spans[i].End > off })
	if i < len(d.spans) && d.spans[i].Start <= off {
		s := d.spans[i]
		f := s.Field
		if f.Kind == "env" && !f.Key && f.Name == structuredAttrsName && d.jsonLiteral != nil {
			f.Member = structuredPath(d.jsonLiteral, off-s.Start)
		}
		return f, true
	}
	return Field{}, false
}

// Attr returns the value of the env entry (derivation attribute) name, and whether it exists.
func (d *Derivation) Attr(name string) (string, bool) {
	for _, e := range d.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}
