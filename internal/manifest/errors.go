package manifest

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a manifest. It never holds a secret value: manifests hold
// none, and template contents are only ever described by offset.
type Problem struct {
	// Where is the entry, e.g. `secrets[3] ("db-password")`, or "" for the top level.
	Where string
	// Name is the secret's or template's name when known.
	Name string
	// Msg says what is wrong, naming the field.
	Msg string
}

func (p Problem) String() string {
	if p.Where == "" {
		return p.Msg
	}
	return p.Where + ": " + p.Msg
}

// Error is every problem found in one manifest. Parse returns it (as error) so callers can
// print all of them at once; errors.As gives access to the list.
type Error struct {
	File     string
	Problems []Problem
}

// maxShown bounds the message; Problems still holds all.
const maxShown = 30

func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i == maxShown {
			fmt.Fprintf(&b, "\n%s: ... and %d more problems", e.File, len(e.Problems)-maxShown)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File)
		b.WriteString(": ")
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects Problems while a manifest is read.
type problems struct {
	list []Problem
}

func (ps *problems) add(where, name, format string, args ...any) {
	ps.list = append(ps.list, Problem{Where: where, Name: name, Msg: fmt.Sprintf(format, args...)})
}

func (ps *problems) err(file string) error {
	if len(ps.list) == 0 {
		return nil
	}
	return &Error{File: file, Problems: ps.list}
}

// entryWhere names a list entry: `secrets[3] ("db-password")`, or `secrets[3]` when the name
// is not known.
func entryWhere(list string, i int, name string) string {
	if name == "" {
		return fmt.Sprintf("%s[%d]", list, i)
	}
	return fmt.Sprintf("%s[%d] (%q)", list, i, name)
}
