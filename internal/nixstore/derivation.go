package nixstore

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// The .drv grammar, as Nix writes it (Nix 2.8 up to current Nix):
//
//	Derive(outputs,inputDrvs,inputSrcs,system,builder,args,env)
//	DrvWithVersion("xp-dyn-drv",outputs,inputDrvs,inputSrcs,system,builder,args,env)
//
//	outputs   = [("name","path","hashAlgo","hash"),...]
//	inputDrvs = [("drvpath",["out",...]),...]          (or, versioned, the nested
//	            [("drvpath",(["out"],[("child",NODE),...])),...] of dynamic derivations)
//	inputSrcs = ["path",...]
//	args      = ["arg",...]
//	env       = [("name","value"),...]
//
// Strings are double-quoted; a backslash escapes the next byte, and \n, \r, \t stand for
// newline, carriage return and tab. Any byte may appear in a string, so values are kept as
// raw bytes in Go strings, never assumed to be UTF-8.

// versionDynamic is the only DrvWithVersion version Nix knows so far.
const versionDynamic = "xp-dyn-drv"

// ParseDerivation parses the ATerm text of a .drv file. Errors give the byte offset and never
// quote the file's content (a .drv may hold the very secret a scan looks for).
func ParseDerivation(data []byte) (*Derivation, error) {
	p := &parser{data: data}
	d, err := p.derivation()
	if err != nil {
		return nil, fmt.Errorf("nixstore: parse derivation: %w", err)
	}
	return d, nil
}

// SyntaxError is a .drv parse error at byte Offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg) }

type parser struct {
	data  []byte
	pos   int
	spans []Span
}

func (p *parser) fail(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

// describe says what sits at the cursor without revealing content: punctuation is shown,
// anything else only as its class.
func (p *parser) describe() string {
	if p.pos >= len(p.data) {
		return "end of file"
	}
	c := p.data[p.pos]
	if strings.IndexByte(`()[],"`, c) >= 0 {
		return strconv.QuoteRune(rune(c))
	}
	return "other content"
}

func (p *parser) expect(lit string) error {
	if len(p.data)-p.pos < len(lit) || string(p.data[p.pos:p.pos+len(lit)]) != lit {
		// Find how far it matched, so the offset points at the first wrong byte.
		for i := 0; i < len(lit); i++ {
			if p.pos >= len(p.data) || p.data[p.pos] != lit[i] {
				return p.fail("expected %q, found %s", lit[i:], p.describe())
			}
			p.pos++
		}
	}
	p.pos += len(lit)
	return nil
}

func (p *parser) peek() (byte, bool) {
	if p.pos >= len(p.data) {
		return 0, false
	}
	return p.data[p.pos], true
}

// str parses one quoted string and records its span under f.
func (p *parser) str(f Field) (string, error) {
	start := p.pos
	if err := p.expect(`"`); err != nil {
		return "", err
	}
	var b *strings.Builder
	run := p.pos // start of the current run of unescaped bytes
	for {
		if p.pos >= len(p.data) {
			p.pos = start
			return "", p.fail("unterminated string")
		}
		// Jump to the next byte that ends the string or escapes one: long attribute values
		// are mostly plain.
		if i := bytes.IndexAny(p.data[p.pos:], "\"\\"); i < 0 {
			p.pos = len(p.data)
			continue
		} else {
			p.pos += i
		}
		c := p.data[p.pos]
		switch c {
		case '"':
			var s string
			if b == nil {
				s = string(p.data[run:p.pos])
			} else {
				b.Write(p.data[run:p.pos])
				s = b.String()
			}
			p.pos++
			p.spans = append(p.spans, Span{Start: start, End: p.pos, Field: f})
			return s, nil
		case '\\':
			if b == nil {
				b = &strings.Builder{}
			}
			b.Write(p.data[run:p.pos])
			p.pos++
			if p.pos >= len(p.data) {
				p.pos = start
				return "", p.fail("unterminated string (trailing backslash)")
			}
			switch e := p.data[p.pos]; e {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(e)
			}
			p.pos++
			run = p.pos
		default:
			p.pos++
		}
	}
}

// list parses [item,item,...], calling item for each element with its index.
func (p *parser) list(item func(i int) error) error {
	if err := p.expect("["); err != nil {
		return err
	}
	for i := 0; ; i++ {
		if c, ok := p.peek(); ok && c == ']' {
			p.pos++
			return nil
		}
		if i > 0 {
			if err := p.expect(","); err != nil {
				return p.fail("expected ',' or ']', found %s", p.describe())
			}
		}
		if err := item(i); err != nil {
			return err
		}
	}
}

func (p *parser) strings(f func(i int) Field) ([]string, error) {
	var out []string
	err := p.list(func(i int) error {
		s, err := p.str(f(i))
		out = append(out, s)
		return err
	})
	return out, err
}

func (p *parser) derivation() (*Derivation, error) {
	d := &Derivation{InputDrvs: map[string][]string{}}
	if c, ok := p.peek(); ok && c == 'D' && len(p.data) > 1 && p.data[1] == 'r' {
		if err := p.expect("DrvWithVersion("); err != nil {
			return nil, err
		}
		at := p.pos
		v, err := p.str(Field{Kind: "version"})
		if err != nil {
			return nil, err
		}
		if v != versionDynamic {
			p.pos = at
			return nil, p.fail("unknown derivation format version (Nix knows only %q)", versionDynamic)
		}
		d.Version = v
		if err := p.expect(","); err != nil {
			return nil, err
		}
	} else if err := p.expect("Derive("); err != nil {
		return nil, p.fail("not a derivation: expected \"Derive(\" or \"DrvWithVersion(\"")
	}

	// outputs
	err := p.list(func(int) error {
		if err := p.expect("("); err != nil {
			return err
		}
		var o Output
		var err error
		if o.Name, err = p.str(Field{Kind: "output"}); err != nil {
			return err
		}
		f := Field{Kind: "output", Name: o.Name}
		p.spans[len(p.spans)-1].Field = f
		for _, dst := range []*string{&o.Path, &o.HashAlgo, &o.Hash} {
			if err := p.expect(","); err != nil {
				return err
			}
			if *dst, err = p.str(f); err != nil {
				return err
			}
		}
		d.Outputs = append(d.Outputs, o)
		return p.expect(")")
	})
	if err != nil {
		return nil, err
	}

	// inputDrvs
	if err := p.expect(","); err != nil {
		return nil, err
	}
	err = p.list(func(int) error {
		if err := p.expect("("); err != nil {
			return err
		}
		at := p.pos
		path, err := p.str(Field{Kind: "inputDrv"})
		if err != nil {
			return err
		}
		if _, dup := d.InputDrvs[path]; dup {
			p.pos = at
			return p.fail("input derivation listed twice")
		}
		f := Field{Kind: "inputDrv", Name: path}
		p.spans[len(p.spans)-1].Field = f
		if err := p.expect(","); err != nil {
			return err
		}
		outs, err := p.inputNode(f, d.Version != "", "")
		if err != nil {
			return err
		}
		if outs == nil {
			outs = []string{}
		}
		d.InputDrvs[path] = outs
		return p.expect(")")
	})
	if err != nil {
		return nil, err
	}

	// inputSrcs, system, builder, args
	if err := p.expect(","); err != nil {
		return nil, err
	}
	if d.InputSrcs, err = p.strings(func(i int) Field { return Field{Kind: "inputSrc", Index: i} }); err != nil {
		return nil, err
	}
	if err := p.expect(","); err != nil {
		return nil, err
	}
	if d.System, err = p.str(Field{Kind: "system"}); err != nil {
		return nil, err
	}
	if err := p.expect(","); err != nil {
		return nil, err
	}
	if d.Builder, err = p.str(Field{Kind: "builder"}); err != nil {
		return nil, err
	}
	if err := p.expect(","); err != nil {
		return nil, err
	}
	if d.Args, err = p.strings(func(i int) Field { return Field{Kind: "arg", Index: i} }); err != nil {
		return nil, err
	}

	// env
	if err := p.expect(","); err != nil {
		return nil, err
	}
	err = p.list(func(int) error {
		if err := p.expect("("); err != nil {
			return err
		}
		name, err := p.str(Field{Kind: "env", Key: true})
		if err != nil {
			return err
		}
		p.spans[len(p.spans)-1].Field.Name = name
		if err := p.expect(","); err != nil {
			return err
		}
		value, err := p.str(Field{Kind: "env", Name: name})
		if err != nil {
			return err
		}
		d.Env = append(d.Env, EnvVar{Name: name, Value: value})
		if name == structuredAttrsName {
			// Kept (a copy: callers reuse their buffers) for Locate to name JSON members.
			s := p.spans[len(p.spans)-1]
			d.jsonLiteral = append([]byte(nil), p.data[s.Start:s.End]...)
		}
		return p.expect(")")
	})
	if err != nil {
		return nil, err
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	if p.pos != len(p.data) {
		return nil, p.fail("trailing data after the derivation")
	}
	d.spans = p.spans
	return d, nil
}

// inputNode parses the output list of one input derivation. In the versioned (dynamic
// derivations) form it may be a pair (["out"],[("child",NODE),...]); outputs of a child are
// flattened to "child^out", the way Nix writes such a derived path on the command line.
func (p *parser) inputNode(f Field, dynamic bool, prefix string) ([]string, error) {
	c, _ := p.peek()
	if c != '(' || !dynamic {
		names, err := p.strings(func(int) Field { return f })
		for i := range names {
			names[i] = prefix + names[i]
		}
		return names, err
	}
	p.pos++
	names, err := p.strings(func(int) Field { return f })
	if err != nil {
		return nil, err
	}
	for i := range names {
		names[i] = prefix + names[i]
	}
	if err := p.expect(","); err != nil {
		return nil, err
	}
	err = p.list(func(int) error {
		if err := p.expect("("); err != nil {
			return err
		}
		child, err := p.str(f)
		if err != nil {
			return err
		}
		if err := p.expect(","); err != nil {
			return err
		}
		sub, err := p.inputNode(f, dynamic, prefix+child+"^")
		if err != nil {
			return err
		}
		names = append(names, sub...)
		return p.expect(")")
	})
	if err != nil {
		return nil, err
	}
	return names, p.expect(")")
}

// EscapeString returns s as a .drv string literal (quotes included): the form in which an
// attribute value sits in the raw bytes of a .drv file.
func EscapeString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
