package manifest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// toAny converts a parsed value to what encoding/json produces with UseNumber.
func toAny(v *value) any {
	switch v.kind {
	case kNull:
		return nil
	case kBool:
		return v.b
	case kNumber:
		return json.Number(v.str)
	case kString:
		return v.str
	case kArray:
		out := []any{}
		for _, e := range v.vals {
			out = append(out, toAny(e))
		}
		return out
	}
	out := map[string]any{}
	for i, k := range v.keys {
		out[k] = toAny(v.vals[i])
	}
	return out
}

func stdDecode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, json.Unmarshal(data, &v) // trailing data: let Unmarshal say so
	}
	return v, nil
}

// hushStricter says whether our parser may refuse what encoding/json accepts: duplicate
// members, invalid UTF-8, lone surrogates, very deep nesting.
func hushStricter(data []byte, err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "given twice") || strings.Contains(msg, "UTF-8") ||
		strings.Contains(msg, "surrogate") || strings.Contains(msg, "nested deeper") ||
		!utf8.Valid(data)
}

func checkJSON(t *testing.T, data []byte) {
	got, err := parseJSON(data)
	want, stdErr := stdDecode(data)
	if !json.Valid(data) {
		if err == nil {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		return
	}
	if stdErr != nil {
		return
	}
	if err != nil {
		if !hushStricter(data, err) {
			t.Fatalf("refused valid JSON %q: %v", data, err)
		}
		return
	}
	if !reflect.DeepEqual(toAny(got), want) {
		t.Fatalf("%q: got %#v, encoding/json %#v", data, toAny(got), want)
	}
}

func TestParseJSON(t *testing.T) {
	for _, s := range []string{
		`{}`, `[]`, `""`, `0`, `-0.5e+3`, `1E9`, `true`, `null`, ` {"a" : [1, {"b":null}] } `,
		`"\u00e9\ud83d\ude00\n\t\"\\\/"`, `"é"`, `{"a":1,"a":2}`, `"\ud800"`, `"\ud800\u0041"`,
		`01`, `1.`, `.5`, `-`, `1e`, `[1,]`, `{"a":1,}`, `{"a"}`, `{a:1}`, `"\x"`, "\"\x01\"",
		`[1 2]`, `{} {}`, `tru`, `nul`, "\"\xff\"", `"\u12"`, strings.Repeat("[", 100) + strings.Repeat("]", 100),
	} {
		checkJSON(t, []byte(s))
	}
	if _, err := parseJSON([]byte(`{"a":1,"a":2}`)); err == nil || !strings.Contains(err.Error(), `field "a" given twice`) {
		t.Errorf("duplicate: %v", err)
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":"\u00e9"}]}`, `[true,false,null,-1.5e3]`, `"\ud83d\ude00"`, `{"a":1,"a":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkJSON(t, data) })
}
