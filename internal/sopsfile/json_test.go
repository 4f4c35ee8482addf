package sopsfile

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

var jsonFixtures = []struct{ name, plain string }{
	{"scalars", `{"s": "hello", "i": 42, "neg": -7, "f": 1.5, "whole": 1.0, "exp": 1e6, "small": 1e-7,
"big": 12345678901234567890, "max": 9223372036854775807, "t": true, "no": false, "n": null}`},
	{"escaping", `{"html": "<a href=\"x\">&amp;</a>", "ctl": "tab\there\u0001\b\f\r\n", "slash": "a\/b",
"uni": "日本語 ✓ \u00e9 \ud83d\udd11", "sep": "\u2028\u2029", "lone": "\ud800x", "del": "\u007f"}`},
	{"unicode keys", `{"grüße": "ü", "ключ": "значение", "": "empty key", "e": ""}`},
	{"nested", `{"a": {"b": {"c": [1, [2, 3], {"d": null}, []]}}, "e": {}, "f": [], "g": [{}]}`},
	{"multi-line", `{"m": "line1\nline2\n", "crlf": "a\r\nb"}`},
	{"order and duplicates", `{"z": 1, "a": 2, "m": 3, "a": 4}`},
	{"numbers", `{"negzero": -0, "e": 1E2, "frac": 0.1, "tiny": 1e-7, "neg": -1.5e300, "int64min": -9223372036854775808, "over": 9223372036854775808}`},
	{"key escapes", `{"\u00e9": 1, "a\"b": 2, "<tag>": 3, "tab\tkey": 4}`},
	{"whitespace", "\n\t {\r\n\"a\"\t:\n1 ,\"b\" : [ ] }\n"},
}

func TestJSONParse(t *testing.T) {
	docs, err := jsonStore{}.Parse([]byte(`{"a": 1, "b": [1.5, "x", true, null, {"c": -0}], "d": 1e2, "e": 12345678901234567890}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Branch{{
		{Key: "a", Value: 1},
		{Key: "b", Value: []any{1.5, "x", true, nil, Branch{{Key: "c", Value: 0}}}},
		{Key: "d", Value: 100.0},
		{Key: "e", Value: 12345678901234567890.0},
	}}
	if !reflect.DeepEqual(docs, want) {
		t.Fatalf("got %#v", docs)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	st := jsonStore{}
	for _, fx := range jsonFixtures {
		t.Run(fx.name, func(t *testing.T) {
			docs, err := st.Parse([]byte(fx.plain))
			if err != nil {
				t.Fatal(err)
			}
			out, err := st.Emit(docs)
			if err != nil {
				t.Fatal(err)
			}
			again, err := st.Parse(out)
			if err != nil {
				t.Fatalf("reparse: %v", err)
			}
			out2, err := st.Emit(again)
			if err != nil {
				t.Fatal(err)
			}
			sameBytes(t, "second emit", out2, out)
		})
	}
}

func TestJSONErrors(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"empty", "", "offset 0"},
		{"array", `["secretvalue"]`, "top-level object"},
		{"string", `"secretvalue"`, "top-level object"},
		{"unterminated", `{"a": "secretvalue`, "offset 18"},
		{"bad value", "{\"a\": secretvalue}", "line 1, byte offset 6"},
		{"second line", "{\n\"a\": 1,\n\"b\" 2}", "line 3"},
		{"trailing comma", `{"a": 1,}`, "offset 8"},
		{"bad escape", `{"a": "secret\qvalue"}`, "escape"},
		{"control", "{\"a\": \"secret\x01value\"}", "control"},
		{"range", `{"a": 1e999}`, "range"},
		{"leading zero", `{"a": 012}`, "offset"},
		{"deep", strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001), "depth"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := jsonStore{}.Parse([]byte(c.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error quotes the value")
			}
		})
	}
}

// The reader must agree with encoding/json on every string and number it accepts.
func checkJSONAgainstStdlib(t *testing.T, data []byte) {
	docs, err := jsonStore{}.Parse(data)
	var std any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	stdErr := dec.Decode(&std)
	if _, isObj := std.(map[string]any); stdErr == nil && !isObj {
		return // not an object: both refuse, for different reasons
	}
	if err != nil {
		if stdErr == nil && !strings.Contains(err.Error(), "range") {
			t.Fatalf("stdlib accepts what we refuse: %v", err)
		}
		return
	}
	if stdErr != nil {
		// sops reads only the top-level object and ignores what follows; so do we.
		return
	}
	// Compare the emitted form with encoding/json's of the same (deduplicated) document.
	std2, err := json.Marshal(std)
	if err != nil {
		return
	}
	var ours any
	out, err := jsonStore{}.Emit(docs)
	if err != nil {
		t.Fatalf("emit: %v", err)
	}
	if err := json.Unmarshal(out, &ours); err != nil {
		t.Fatalf("our output is not JSON: %v", err)
	}
	var theirs any
	_ = json.Unmarshal(std2, &theirs)
	if !reflect.DeepEqual(normJSON(ours), normJSON(theirs)) {
		t.Fatalf("decoded trees differ from encoding/json's")
	}
}

// normJSON makes float64 numbers comparable after int/float normalisation.
func normJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normJSON(e)
		}
	case []any:
		for i, e := range v {
			v[i] = normJSON(e)
		}
	}
	return v
}

func TestJSONStringsMatchStdlib(t *testing.T) {
	for _, s := range []string{
		"", "plain", "<>&", "\u2028\u2029", "\x00\x1f\x7f", "\xff\xfe", "a\xc3", "\ud7ff",
		"日本語", "\"\\/", "\b\f\n\r\t", "mixed <é> \xe2\x82", string([]byte{0xed, 0xa0, 0x80}),
	} {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
	for _, f := range []float64{0, -0.0, 1, 1.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, -2.5e-9} {
		want, _ := json.Marshal(f)
		got, err := appendJSONFloat(nil, f)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("appendJSONFloat(%v) = %s, want %s", f, got, want)
		}
	}
	checkJSONAgainstStdlib(t, []byte(`{"a": "\ud800\udc00\ud800", "b": "\xff", "c": [1, -0, 1.0e+2, 0.5]}`))
}

func TestJSONEmitLayout(t *testing.T) {
	docs := []Branch{{
		{Key: Comment{Value: " dropped"}},
		{Key: "a", Value: Branch{{Key: "b", Value: []any{1, Comment{Value: "x"}, "two"}}}},
		{Key: "e", Value: []any{}},
		{Key: "f", Value: Branch{}},
	}}
	got, err := jsonStore{}.Emit(docs)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n\t\"a\": {\n\t\t\"b\": [\n\t\t\t1,\n\t\t\t\"two\"\n\t\t]\n\t},\n\t\"e\": [],\n\t\"f\": {}\n}\n"
	if string(got) != want {
		t.Errorf("got %q", got)
	}
	v, _ := jsonStore{}.EmitValue([]any{1, "a"})
	if string(v) != "[\n\t1,\n\t\"a\"\n]" {
		t.Errorf("EmitValue list = %q", v)
	}
}
