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

func (ps *problems) add(where loc, name, format string, args ...any) {
	ps.list = append(ps.list, Problem{Where: where.String(), Name: name, Msg: fmt.Sprintf(format, args...)})
}

// loc names where a problem is. It is formatted only when a problem is reported: building
// the string for each of 10,000 entries up front was a tenth of Parse's time.
type loc struct {
	list  string // "secrets" or "templates"; "" for label or the top level
	i     int
	name  string
	label string // e.g. "identities"
}

func (l loc) String() string {
	switch {
	case l.label != "":
		return l.label
	case l.list == "":
		return ""
	case l.name == "":
		return fmt.Sprintf("%s[%d]", l.list, l.i)
	}
	return fmt.Sprintf("%s[%d] (%q)", l.list, l.i, l.name)
}

func (ps *problems) err(file string) error {
	if len(ps.list) == 0 {
		return nil
	}
	return &Error{File: file, Problems: ps.list}
}

// entryWhere names a list entry: `secrets[3] ("db-password")`, or `secrets[3]` when the name
// is not known.
func entryWhere(list string, i int, name string) loc {
	return loc{list: list, i: i, name: name}
}
