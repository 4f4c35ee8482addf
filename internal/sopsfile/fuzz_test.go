package sopsfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"gopkg.in/ini.v1"
)

// Fuzz targets for every store parser and for the metadata. Each must never panic; where a
// parse succeeds, what the store emits must parse again and, emitted once more, give the
// same bytes (so a hush edit with no change cannot make the file drift). The seed corpus is
// the table-test fixtures plus real sops-encrypted files in testdata/fuzzseed (throwaway
// keys). Long runs: docs/fuzzing.md.

// addSeeds adds the fixtures and the sops-encrypted seed files whose name ends in ext.
func addSeeds(f *testing.F, fixtures []struct{ name, plain string }, ext string) {
	for _, fx := range fixtures {
		f.Add([]byte(fx.plain))
	}
	paths, _ := filepath.Glob(filepath.Join("testdata", "fuzzseed", "*"+ext))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

// checkStable is the property every store must have on input it accepts.
func checkStable(t *testing.T, st Store, data []byte) {
	docs, err := st.Parse(data)
	if err != nil {
		checkNoQuote(t, err, data)
		return
	}
	out, err := st.Emit(docs)
	if err != nil {
		return // e.g. a float NaN cannot be written as JSON; an error is fine, a panic is not
	}
	if len(out) > 1<<20 || hasNonStringKey(docs) {
		// Deep nesting makes indented output quadratic in size (as with sops); one emit
		// proved there is no panic, a second round would only slow the fuzzer down.
		return
	}
	// The tree may change once, as it does with sops (a float -0 is written "-0", which
	// reads back as the int 0); after that the output must not move.
	for round := 0; round < 2; round++ {
		docs2, err := st.Parse(out)
		if err != nil {
			t.Fatalf("emitted output does not parse again: %v", err)
		}
		out2, err := st.Emit(docs2)
		if err != nil {
			t.Fatalf("emit of re-parsed output failed: %v", err)
		}
		if round == 1 && !bytes.Equal(out, out2) {
			t.Fatalf("emit is not stable: %d bytes then %d bytes", len(out), len(out2))
		}
		out = out2
	}
	for _, d := range docs {
		for _, it := range d {
			if _, err := st.EmitValue(it.Value); err != nil {
				continue
			}
		}
	}
}

func FuzzParseYAML(f *testing.F) {
	addSeeds(f, yamlFixtures, ".yaml")
	f.Add([]byte("a: &x [1, *x]\n"))
	f.Add([]byte("? [a, b]\n: c\n"))
	f.Add([]byte("a: !!binary aGVsbG8=\nb: !!timestamp 2001-12-14\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkYAMLFastPath(t, data)
		docs, err := yamlStore{}.Parse(data)
		if err != nil {
			checkNoQuote(t, err, data)
			return
		}
		checkYAMLFastEmit(t, docs)
		out, err := yamlStore{}.Emit(docs)
		if err != nil || hasNonStringKey(docs) {
			return
		}
		if _, err := (yamlStore{}).Parse(out); err != nil && !yamlLibraryRoundTripFails(data) {
			t.Fatalf("emitted output does not parse again: %v", err)
		}
	})
}

// checkYAMLFastPath: when the fast reader accepts a file, its tree is the library path's.
func checkYAMLFastPath(t *testing.T, data []byte) {
	fast, ok := yamlFastParse(data)
	if !ok {
		return
	}
	slow, err := yamlParseLibrary(data)
	if err != nil {
		t.Fatalf("fast path accepts what the library refuses: %v", err)
	}
	// %#v rather than DeepEqual: NaN is not equal to itself.
	if fmt.Sprintf("%#v", fast) != fmt.Sprintf("%#v", slow) || !reflect.DeepEqual(typesOf(fast), typesOf(slow)) {
		t.Fatalf("fast path tree differs from the library's")
	}
}

// checkYAMLFastEmit: when the fast writer takes a tree, it writes the library's bytes.
func checkYAMLFastEmit(t *testing.T, docs []Branch) {
	fast, ok := yamlFastEmit(docs)
	if !ok || len(docs) == 0 {
		return
	}
	slow, err := yamlEmitLibrary(docs)
	if err != nil {
		t.Fatalf("fast writer takes a tree the library refuses: %v", err)
	}
	if !bytes.Equal(fast, slow) {
		sameBytes(t, "fast writer", fast, slow)
		t.FailNow()
	}
}

// typesOf is the tree's shape with every leaf replaced by its type name.
func typesOf(v any) any {
	switch v := v.(type) {
	case []Branch:
		out := make([]any, len(v))
		for i, b := range v {
			out[i] = typesOf(b)
		}
		return out
	case Branch:
		out := make([]any, 0, 2*len(v))
		for _, it := range v {
			out = append(out, fmt.Sprintf("%T", it.Key), typesOf(it.Value))
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = typesOf(e)
		}
		return out
	}
	return fmt.Sprintf("%T", v)
}

// yamlLibraryRoundTripFails reports whether go.yaml.in/yaml/v3 on its own (decode, encode
// with sops' indentation, decode) fails on data: its emitter has corner cases it cannot read
// back (e.g. a literal block starting with a blank line inside a list), and since sops
// writes with the same emitter, hush's output there is sops' output, faithfully unreadable.
func yamlLibraryRoundTripFails(data []byte) bool {
	var v any
	if yaml.Unmarshal(data, &v) != nil {
		return true
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(yamlIndent)
	if enc.Encode(v) != nil || enc.Close() != nil {
		return true
	}
	return yaml.Unmarshal(buf.Bytes(), &v) != nil
}

func FuzzParseJSON(f *testing.F) {
	addSeeds(f, jsonFixtures, ".json")
	f.Add([]byte(`{"a": "\ud800", "b": 1e400, "c": -0.0e-7}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkStable(t, jsonStore{}, data)
		checkJSONAgainstStdlib(t, data)
	})
}

func FuzzParseDotenv(f *testing.F) {
	addSeeds(f, dotenvFixtures, ".env")
	f.Add([]byte("sops_a__list_0__map_b=1\nsops_a__list_1=2\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkStable(t, dotenvStore{}, data) })
}

func FuzzParseINI(f *testing.F) {
	addSeeds(f, iniFixtures, ".ini")
	f.Add([]byte("[sops]\nage__list_0__map_enc = a\\nb\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// No panic; errors never quote the input; output parses again unless the library
		// on its own cannot round-trip the input either.
		docs, err := iniStore{}.Parse(data)
		if err != nil {
			checkNoQuote(t, err, data)
			return
		}
		out, err := iniStore{}.Emit(docs)
		if err != nil {
			return
		}
		if _, err := (iniStore{}).Parse(out); err != nil && !iniLibraryRoundTripFails(data) {
			t.Fatalf("emitted output does not parse again: %v", err)
		}
	})
}

// iniLibraryRoundTripFails: gopkg.in/ini.v1 alone (load, write, load) fails on data, so
// sops' output would be as unreadable as hush's.
func iniLibraryRoundTripFails(data []byte) bool {
	f, err := ini.LoadSources(ini.LoadOptions{AllowNonUniqueSections: true}, data)
	if err != nil {
		return true
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return true
	}
	_, err = ini.LoadSources(ini.LoadOptions{AllowNonUniqueSections: true}, buf.Bytes())
	return err != nil
}

func FuzzParseBinary(f *testing.F) {
	addSeeds(f, nil, ".binary")
	f.Add([]byte("\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := binaryStore{}.Parse(data)
		if err != nil {
			t.Fatalf("binary parse cannot fail: %v", err)
		}
		out, err := binaryStore{}.Emit(docs)
		if err != nil {
			return
		}
		if _, isEnc := docs[0].Get("sops"); !isEnc && !bytes.Equal(out, data) {
			t.Fatal("plain binary round trip changed the bytes")
		}
	})
}

// FuzzMetadata feeds whole files (any format, chosen by the first byte) through parsing and
// the metadata reader; metadata it accepts must survive ToBranch and a second read.
func FuzzMetadata(f *testing.F) {
	formats := []Format{YAML, JSON, Dotenv, INI, Binary}
	paths, _ := filepath.Glob(filepath.Join("testdata", "fuzzseed", "*"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for i, fm := range formats {
			if strings.HasSuffix(p, "."+string(fm)) || fm == Dotenv && strings.HasSuffix(p, ".env") {
				f.Add(byte(i), data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		fm := formats[int(which)%len(formats)]
		st, _ := StoreFor(fm)
		docs, err := st.Parse(data)
		if err != nil || len(docs) == 0 {
			return
		}
		mb, ok := docs[0].Get("sops")
		if !ok {
			return
		}
		b, ok := mb.(Branch)
		if !ok {
			return
		}
		m, err := ParseMetadata(b)
		if err != nil {
			return
		}
		b2, err := m.ToBranch()
		if err != nil {
			t.Fatalf("accepted metadata cannot be written: %v", err)
		}
		if _, err := ParseMetadata(b2); err != nil {
			t.Fatalf("written metadata cannot be read: %v", err)
		}
		_, _, _ = parseEncrypted(data, fm)
	})
}

// checkNoQuote fails when an error message holds a run of 12+ bytes of the input that is
// neither whitespace nor one of the store's own words (a crude "quotes a value" test).
func checkNoQuote(t *testing.T, err error, data []byte) {
	msg := err.Error()
	for _, f := range bytes.Fields(data) {
		if len(f) >= 12 && strings.Contains(msg, string(f)) {
			t.Fatalf("error quotes the input: %q", msg)
		}
	}
}

// hasNonStringKey: YAML keys such as 0 and 0.0 are distinct when read but may be written
// alike (sops behaves the same); such trees cannot be encrypted, sops refuses them too.
func hasNonStringKey(v any) bool {
	switch v := v.(type) {
	case []Branch:
		for _, b := range v {
			if hasNonStringKey(b) {
				return true
			}
		}
	case Branch:
		for _, it := range v {
			switch it.Key.(type) {
			case string, Comment:
			default:
				return true
			}
			if hasNonStringKey(it.Value) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if hasNonStringKey(e) {
				return true
			}
		}
	}
	return false
}
