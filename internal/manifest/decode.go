package manifest

import (
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Typed reading of parsed JSON (jsonparse.go) with errors that name the entry and the
// field. encoding/json's DisallowUnknownFields stops at the first problem and names neither
// the entry nor the list index; this reports every unknown member, with a suggestion.

// object is a parsed JSON object.
type object = value

// reader reads typed members of objects, recording problems against one entry.
type reader struct {
	ps    *problems
	where loc
	name  string
}

func (r reader) bad(format string, args ...any) {
	r.ps.add(r.where, r.name, format, args...)
}

// checkKnown reports every member of o not in known, suggesting the closest known name.
// known lists are short: a linear search beats building a set for every entry.
func (r reader) checkKnown(o *object, known []string, what string) {
next:
	for _, k := range o.keys {
		for _, kn := range known {
			if k == kn {
				continue next
			}
		}
		msg := fmt.Sprintf("unknown field %q", what+k)
		if s := closest(k, known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", what+s)
		}
		r.bad("%s", msg)
	}
}

// str reads a string member; ok is false when it is absent or has the wrong type (reported).
func (r reader) str(o *object, field string) (s string, ok bool) {
	raw, present := o.get(field)
	if !present {
		return "", false
	}
	if raw.kind != kString {
		r.bad("field %q: expected a string, got %s", field, kindOf(raw))
		return "", false
	}
	return raw.str, true
}

// nonEmptyStr is str for members where "" is no value at all (paths, names of files):
// writing "" is reported rather than silently taken as "use the default".
func (r reader) nonEmptyStr(o *object, field string) (string, bool) {
	s, ok := r.str(o, field)
	if ok && s == "" {
		r.bad("field %q: empty (leave it out for the default)", field)
		return "", false
	}
	return s, ok
}

// nullableStr reads a string member that may be null (sops-nix's nullOr str).
func (r reader) nullableStr(o *object, field string) (s string, ok bool) {
	if raw, present := o.get(field); present && raw.kind == kNull {
		return "", false
	}
	return r.str(o, field)
}

func (r reader) boolean(o *object, field string) (b, ok bool) {
	raw, present := o.get(field)
	if !present {
		return false, false
	}
	if raw.kind != kBool {
		r.bad("field %q: expected true or false, got %s", field, kindOf(raw))
		return false, false
	}
	return raw.b, true
}

// integer reads a non-negative integer member no larger than max; null counts as absent
// when nullable.
func (r reader) integer(o *object, field string, max int64, nullable bool) (n int, ok bool) {
	raw, present := o.get(field)
	if !present {
		return 0, false
	}
	if nullable && raw.kind == kNull {
		return 0, false
	}
	if raw.kind != kNumber {
		r.bad("field %q: expected a number, got %s", field, kindOf(raw))
		return 0, false
	}
	v, err := strconv.ParseInt(raw.str, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(raw.str, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			r.bad("field %q: %s is not an integer", field, raw.str)
			return 0, false
		}
		v = int64(f)
	}
	if v < 0 || v > max {
		r.bad("field %q: %d is out of range 0..%d", field, v, max)
		return 0, false
	}
	return int(v), true
}

// strList reads an array of strings; null counts as absent when nullable.
func (r reader) strList(o *object, field string, nullable bool) ([]string, bool) {
	raw, present := o.get(field)
	if !present {
		return nil, false
	}
	if nullable && raw.kind == kNull {
		return nil, false
	}
	if raw.kind != kArray {
		r.bad("field %q: expected an array of strings, got %s", field, kindOf(raw))
		return nil, false
	}
	out := make([]string, 0, len(raw.vals))
	for i, e := range raw.vals {
		if e.kind != kString {
			r.bad("field %q: element %d: expected a string, got %s", field, i, kindOf(e))
			return nil, false
		}
		out = append(out, e.str)
	}
	return out, true
}

// obj reads an object member.
func (r reader) obj(o *object, field string) (*object, bool) {
	raw, present := o.get(field)
	if !present {
		return nil, false
	}
	if raw.kind != kObject {
		r.bad("field %q: expected an object, got %s", field, kindOf(raw))
		return nil, false
	}
	return raw, true
}

// list reads an array member's elements; null counts as absent when nullable.
func (r reader) list(o *object, field string, nullable bool) ([]*value, bool) {
	raw, present := o.get(field)
	if !present || (nullable && raw.kind == kNull) {
		return nil, false
	}
	if raw.kind != kArray {
		r.bad("field %q: expected an array, got %s", field, kindOf(raw))
		return nil, false
	}
	return raw.vals, true
}

// stringMap reads an object of strings, keys sorted.
func (r reader) stringMap(o *object, field string, nullable bool) (map[string]string, bool) {
	raw, present := o.get(field)
	if !present || (nullable && raw.kind == kNull) {
		return nil, false
	}
	if raw.kind != kObject {
		r.bad("field %q: expected an object, got %s", field, kindOf(raw))
		return nil, false
	}
	out := make(map[string]string, len(raw.keys))
	for i, k := range raw.keys {
		v := raw.vals[i]
		if v.kind != kString {
			r.bad("field %q: member %q: expected a string, got %s", field, k, kindOf(v))
			continue
		}
		out[k] = v.str
	}
	return out, true
}

// closest returns the known name nearest to s when it is plausibly a typo.
func closest(s string, known []string) string {
	best, bestD := "", 3
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	for _, k := range sorted {
		if d := editDistance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	if len(s) <= 2 && bestD > 1 {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
