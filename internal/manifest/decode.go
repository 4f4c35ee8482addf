package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Strict JSON reading with errors that name the entry and the field. encoding/json's
// DisallowUnknownFields stops at the first problem and names neither the entry nor the list
// index, and silently takes the last of duplicate keys; this reader does neither.

// object is one JSON object, its members in file order.
type object struct {
	keys []string
	vals map[string]json.RawMessage
}

// parseObject splits raw (which must be valid JSON) into its members. It fails when raw is
// not an object or has a key twice.
func parseObject(raw json.RawMessage) (*object, error) {
	if kindOf(raw) != "object" {
		return nil, fmt.Errorf("expected an object, got %s", kindOf(raw))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // '{'
		return nil, err
	}
	o := &object{vals: map[string]json.RawMessage{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := o.vals[key]; dup {
			return nil, fmt.Errorf("field %q given twice", key)
		}
		o.keys = append(o.keys, key)
		o.vals[key] = v
	}
	return o, nil
}

func (o *object) has(key string) bool {
	_, ok := o.vals[key]
	return ok
}

// kindOf names the JSON type of a valid JSON value, for messages.
func kindOf(raw json.RawMessage) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// reader reads typed members of objects, recording problems against one entry.
type reader struct {
	ps    *problems
	where string
	name  string
}

func (r reader) bad(format string, args ...any) {
	r.ps.add(r.where, r.name, format, args...)
}

// checkKnown reports every member of o not in known, suggesting the closest known name.
func (r reader) checkKnown(o *object, known []string, what string) {
	set := make(map[string]bool, len(known))
	for _, k := range known {
		set[k] = true
	}
	for _, k := range o.keys {
		if set[k] {
			continue
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
	raw, present := o.vals[field]
	if !present {
		return "", false
	}
	if kindOf(raw) != "string" {
		r.bad("field %q: expected a string, got %s", field, kindOf(raw))
		return "", false
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		r.bad("field %q: %v", field, err)
		return "", false
	}
	return s, true
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
	if raw, present := o.vals[field]; present && kindOf(raw) == "null" {
		return "", false
	}
	return r.str(o, field)
}

func (r reader) boolean(o *object, field string) (b, ok bool) {
	raw, present := o.vals[field]
	if !present {
		return false, false
	}
	if kindOf(raw) != "boolean" {
		r.bad("field %q: expected true or false, got %s", field, kindOf(raw))
		return false, false
	}
	_ = json.Unmarshal(raw, &b)
	return b, true
}

// integer reads a non-negative integer member no larger than max; null counts as absent
// when nullable.
func (r reader) integer(o *object, field string, max int64, nullable bool) (n int, ok bool) {
	raw, present := o.vals[field]
	if !present {
		return 0, false
	}
	if nullable && kindOf(raw) == "null" {
		return 0, false
	}
	if kindOf(raw) != "number" {
		r.bad("field %q: expected a number, got %s", field, kindOf(raw))
		return 0, false
	}
	v, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			r.bad("field %q: %s is not an integer", field, bytes.TrimSpace(raw))
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
	raw, present := o.vals[field]
	if !present {
		return nil, false
	}
	if nullable && kindOf(raw) == "null" {
		return nil, false
	}
	if kindOf(raw) != "array" {
		r.bad("field %q: expected an array of strings, got %s", field, kindOf(raw))
		return nil, false
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		r.bad("field %q: %v", field, err)
		return nil, false
	}
	out := make([]string, 0, len(elems))
	for i, e := range elems {
		var s string
		if kindOf(e) != "string" || json.Unmarshal(e, &s) != nil {
			r.bad("field %q: element %d: expected a string, got %s", field, i, kindOf(e))
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// obj reads an object member.
func (r reader) obj(o *object, field string) (*object, bool) {
	raw, present := o.vals[field]
	if !present {
		return nil, false
	}
	sub, err := parseObject(raw)
	if err != nil {
		r.bad("field %q: %v", field, err)
		return nil, false
	}
	return sub, true
}

// list reads an array member as raw elements; null counts as absent when nullable.
func (r reader) list(o *object, field string, nullable bool) ([]json.RawMessage, bool) {
	raw, present := o.vals[field]
	if !present || (nullable && kindOf(raw) == "null") {
		return nil, false
	}
	if kindOf(raw) != "array" {
		r.bad("field %q: expected an array, got %s", field, kindOf(raw))
		return nil, false
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		r.bad("field %q: %v", field, err)
		return nil, false
	}
	return elems, true
}

// stringMap reads an object of strings, keys sorted.
func (r reader) stringMap(o *object, field string, nullable bool) (map[string]string, bool) {
	raw, present := o.vals[field]
	if !present || (nullable && kindOf(raw) == "null") {
		return nil, false
	}
	sub, err := parseObject(raw)
	if err != nil {
		r.bad("field %q: %v", field, err)
		return nil, false
	}
	out := make(map[string]string, len(sub.keys))
	for _, k := range sub.keys {
		var s string
		v := sub.vals[k]
		if kindOf(v) != "string" || json.Unmarshal(v, &s) != nil {
			r.bad("field %q: member %q: expected a string, got %s", field, k, kindOf(v))
			continue
		}
		out[k] = s
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

// syntaxError turns a JSON syntax error into "line L, column C: msg".
func syntaxError(data []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 {
		return err.Error()
	}
	line, col := 1, 1
	for i := int64(0); i < off-1 && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("line %d, column %d: %v", line, col, err)
}
