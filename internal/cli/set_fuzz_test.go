package cli

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hush-nix/hush/internal/sopsfile"
)

// FuzzParseSetValue: set's VALUE parser on any input: no panic; it accepts exactly what
// encoding/json decodes (as sops; so not 1e400, which is valid JSON but no float64); a scalar is what encoding/json gives (as sops), an object an ordered Branch,
// an array a list. Run for longer with
//
//	go test ./internal/cli -run '^$' -fuzz '^FuzzParseSetValue$' -fuzztime 60s
func FuzzParseSetValue(f *testing.F) {
	for _, s := range []string{`"text"`, `1`, `1.5e3`, `-0`, `true`, `null`, `{"a": {"b": [1, "x"]}, "c": null}`,
		`[1, [2, {"k": "v"}]]`, `{}`, `[]`, ` "pad" `, `text`, `{"a":1,"a":2}`, `"\ud800"`, `{"a":`, `1 2`, ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := parseSetValue(raw)
		var probe any
		jerr := json.Unmarshal(raw, &probe)
		if (err == nil) != (jerr == nil) {
			t.Fatalf("parseSetValue error %v, encoding/json error %v", err, jerr)
		}
		if err != nil {
			return
		}
		switch probe.(type) {
		case map[string]any:
			if _, ok := v.(sopsfile.Branch); !ok {
				t.Fatalf("object gave %T", v)
			}
		case []any:
			if _, ok := v.([]any); !ok {
				t.Fatalf("array gave %T", v)
			}
		default:
			if !reflect.DeepEqual(v, probe) {
				t.Fatalf("scalar gave %#v, encoding/json %#v", v, probe)
			}
		}
	})
}
