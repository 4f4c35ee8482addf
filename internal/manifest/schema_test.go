package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// The JSON Schema in docs/manifest.schema.json and the Go types describe the same format.
// These tests hold them together: the same fields everywhere, every example in the docs
// valid under both, and (in FuzzParseManifest) every manifest Parse accepts valid under
// the schema. A tiny validator for the keywords the schema uses keeps this dependency-free.

const schemaPath = "../../docs/manifest.schema.json"

func loadSchema(t testing.TB) map[string]any {
	t.Helper()
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	return s
}

// jsonFields lists a struct's JSON member names, embedded structs flattened.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func schemaProps(s map[string]any) []string {
	props, _ := s["properties"].(map[string]any)
	var out []string
	for k := range props {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestSchemaMatchesTypes(t *testing.T) {
	s := loadSchema(t)
	defs := s["$defs"].(map[string]any)
	for _, tc := range []struct {
		def string
		typ reflect.Type
	}{
		{"", reflect.TypeFor[Manifest]()},
		{"secret", reflect.TypeFor[Secret]()},
		{"source", reflect.TypeFor[Source]()},
		{"sopsSource", reflect.TypeFor[SopsSource]()},
		{"ageSource", reflect.TypeFor[AgeSource]()},
		{"fileSource", reflect.TypeFor[FileSource]()},
		{"template", reflect.TypeFor[Template]()},
		{"identities", reflect.TypeFor[Identities]()},
		{"logging", reflect.TypeFor[Logging]()},
	} {
		node := s
		if tc.def != "" {
			node = defs[tc.def].(map[string]any)
		}
		got, want := schemaProps(node), jsonFields(tc.typ)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: schema properties %v, Go fields %v", tc.typ.Name(), got, want)
		}
		if node["additionalProperties"] != false {
			t.Errorf("%s: schema must set additionalProperties: false", tc.typ.Name())
		}
	}
	// The readers know the same names (they check unknown fields by these lists).
	for _, tc := range []struct {
		list []string
		typ  reflect.Type
	}{
		{hushTopFields, reflect.TypeFor[Manifest]()},
		{hushSecretFields, reflect.TypeFor[Secret]()},
		{hushTemplateFields, reflect.TypeFor[Template]()},
		{hushIdentityFields, reflect.TypeFor[Identities]()},
		{hushLoggingFields, reflect.TypeFor[Logging]()},
		{hushSourceKinds, reflect.TypeFor[Source]()},
	} {
		l := append([]string(nil), tc.list...)
		sort.Strings(l)
		if strings.Join(l, ",") != strings.Join(jsonFields(tc.typ), ",") {
			t.Errorf("%s: reader knows %v, Go fields %v", tc.typ.Name(), l, jsonFields(tc.typ))
		}
	}
}

// validate checks v against schema node n; root resolves $ref.
func validate(root, n map[string]any, v any, at string) error {
	for k, kv := range n {
		var err error
		switch k {
		case "$schema", "$id", "$defs", "title", "description", "default":
		case "$ref":
			name := strings.TrimPrefix(kv.(string), "#/$defs/")
			err = validate(root, root["$defs"].(map[string]any)[name].(map[string]any), v, at)
		case "type":
			if !hasType(v, kv.(string)) {
				err = fmt.Errorf("%s: want %s", at, kv)
			}
		case "const":
			if !jsonEqual(v, kv) {
				err = fmt.Errorf("%s: want %v", at, kv)
			}
		case "enum":
			ok := false
			for _, e := range kv.([]any) {
				ok = ok || jsonEqual(e, v)
			}
			if !ok {
				err = fmt.Errorf("%s: %v not in %v", at, v, kv)
			}
		case "pattern":
			if s, ok := v.(string); ok && !regexp.MustCompile(kv.(string)).MatchString(s) {
				err = fmt.Errorf("%s: %q does not match %s", at, s, kv)
			}
		case "minLength":
			if s, ok := v.(string); ok && int64(utf8.RuneCountInString(s)) < num(kv) {
				err = fmt.Errorf("%s: too short", at)
			}
		case "minimum", "maximum":
			if x, ok := v.(json.Number); ok {
				f, _ := x.Float64()
				lim, _ := kv.(json.Number).Float64()
				if (k == "minimum" && f < lim) || (k == "maximum" && f > lim) {
					err = fmt.Errorf("%s: %v out of range", at, x)
				}
			}
		case "items":
			if a, ok := v.([]any); ok {
				for i, e := range a {
					if err = validate(root, kv.(map[string]any), e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
						break
					}
				}
			}
		case "required":
			if o, ok := v.(map[string]any); ok {
				for _, r := range kv.([]any) {
					if _, has := o[r.(string)]; !has {
						err = fmt.Errorf("%s: missing %s", at, r)
					}
				}
			}
		case "minProperties", "maxProperties":
			if o, ok := v.(map[string]any); ok {
				if (k == "minProperties" && int64(len(o)) < num(kv)) || (k == "maxProperties" && int64(len(o)) > num(kv)) {
					err = fmt.Errorf("%s: %d members", at, len(o))
				}
			}
		case "properties", "additionalProperties":
			o, ok := v.(map[string]any)
			if !ok || k == "additionalProperties" {
				break
			}
			props := kv.(map[string]any)
			for mk, mv := range o {
				sub, known := props[mk]
				switch {
				case known:
					err = validate(root, sub.(map[string]any), mv, at+"."+mk)
				case n["additionalProperties"] == false:
					err = fmt.Errorf("%s: unknown member %q", at, mk)
				case n["additionalProperties"] != nil:
					err = validate(root, n["additionalProperties"].(map[string]any), mv, at+"."+mk)
				}
				if err != nil {
					break
				}
			}
		case "oneOf":
			matched := 0
			for _, alt := range kv.([]any) {
				if validate(root, alt.(map[string]any), v, at) == nil {
					matched++
				}
			}
			if matched != 1 {
				err = fmt.Errorf("%s: matches %d of oneOf", at, matched)
			}
		default:
			return fmt.Errorf("schema keyword %q at %s not understood by the test validator", k, at)
		}
		if err != nil {
			return err
		}
	}
	// additionalProperties as a schema without properties (a map).
	if ap, ok := n["additionalProperties"].(map[string]any); ok && n["properties"] == nil {
		if o, ok := v.(map[string]any); ok {
			for mk, mv := range o {
				if err := validate(root, ap, mv, at+"."+mk); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// jsonEqual compares scalars as JSON Schema does: numbers by value (1 equals 1.0).
func jsonEqual(a, b any) bool {
	na, aok := a.(json.Number)
	nb, bok := b.(json.Number)
	if aok && bok {
		fa, _ := na.Float64()
		fb, _ := nb.Float64()
		return fa == fb
	}
	if aok != bok {
		return false
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func num(v any) int64 { n, _ := v.(json.Number).Int64(); return n }

func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		// JSON Schema: an integer is any number without a fractional part (1e3 too).
		f, err := n.Float64()
		return err == nil && f == math.Trunc(f)
	case "number":
		_, ok := v.(json.Number)
		return ok
	}
	return false
}

func validateDoc(schema map[string]any, data []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	return validate(schema, schema, v, "$")
}

// docExamples returns the ```json blocks of docs/manifest.md that are hush manifests.
func docExamples(t *testing.T) []string {
	data, err := os.ReadFile("../../docs/manifest.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	parts := strings.Split(string(data), "```json\n")
	for _, p := range parts[1:] {
		block, _, ok := strings.Cut(p, "```")
		if !ok {
			t.Fatal("unterminated ```json block in docs/manifest.md")
		}
		if strings.Contains(block, `"version"`) {
			out = append(out, block)
		}
	}
	return out
}

func TestExamplesValidate(t *testing.T) {
	schema := loadSchema(t)
	files, _ := filepath.Glob("testdata/hush-*.json")
	var docs []string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		docs = append(docs, string(b))
	}
	ex := docExamples(t)
	if len(ex) < 3 {
		t.Fatalf("docs/manifest.md has %d hush examples; want at least 3", len(ex))
	}
	docs = append(docs, ex...)
	for i, d := range docs {
		if err := validateDoc(schema, []byte(d)); err != nil {
			t.Errorf("example %d: schema: %v\n%s", i, err, d)
		}
		if _, err := Parse([]byte(d), fmt.Sprintf("example-%d.json", i)); err != nil {
			t.Errorf("example %d: Parse: %v\n%s", i, err, d)
		}
	}
}

// sops-nix examples in the docs parse too.
func TestSopsNixDocExamplesParse(t *testing.T) {
	data, err := os.ReadFile("../../docs/manifest.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Split(string(data), "```json\n")[1:] {
		block, _, _ := strings.Cut(p, "```")
		if strings.Contains(block, `"secretsMountPoint"`) {
			if m, err := Parse([]byte(block), "sops-nix-example.json"); err != nil || m.Origin != OriginSopsNix {
				t.Errorf("sops-nix example: %v\n%s", err, block)
			}
		}
	}
}

// Both the schema and Parse reject these.
func TestSchemaRejects(t *testing.T) {
	schema := loadSchema(t)
	for _, d := range []string{
		`{"version":2}`,
		`{"version":1,"extra":1}`,
		`{"version":1,"secrets":[{"name":"a","source":{}}]}`,
		`{"version":1,"secrets":[{"name":"a","source":{"age":{"file":"/a"},"file":{"path":"/b"}}}]}`,
		`{"version":1,"secrets":[{"name":"a","source":{"age":{"file":"/a"}},"mode":"4755"}]}`,
		`{"version":1,"secrets":[{"name":"a","source":{"age":{"file":"/a"}},"uid":-1}]}`,
		`{"version":1,"templates":[{"name":"t","content":"","file":"/t"}]}`,
		`{"version":1,"failurePolicy":"sometimes"}`,
		`{"version":1,"secrets":[{"name":"/a","source":{"age":{"file":"/a"}}}]}`,
	} {
		if validateDoc(schema, []byte(d)) == nil {
			t.Errorf("schema accepts %s", d)
		}
		if _, err := Parse([]byte(d), "m.json"); err == nil {
			t.Errorf("Parse accepts %s", d)
		}
	}
}
