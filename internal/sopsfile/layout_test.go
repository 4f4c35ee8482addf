package sopsfile

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func layoutTree() []Branch {
	return []Branch{{
		{Key: "a", Value: Branch{{Key: "b", Value: []any{1, Branch{{Key: "c", Value: "x"}}}}, {Key: "e", Value: []any{}}, {Key: "f", Value: Branch{}}}},
		{Key: "d", Value: "two\nlines\n"},
	}}
}

// TestStoreOptionsJSON: a JSON indent of n lays out as json.Indent with n spaces (what
// sops' reindentJSON does), -1 with a tab.
func TestStoreOptionsJSON(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 3, 8} {
		for _, f := range []Format{JSON, Binary} {
			o := DefaultStoreOptions
			o.JSONIndent, o.JSONBinaryIndent = n, n
			st, err := StoreForOptions(f, o)
			if err != nil {
				t.Fatal(err)
			}
			docs := layoutTree()
			if f == Binary {
				docs = []Branch{{{Key: "data", Value: "ENC[x]"}, {Key: "sops", Value: Branch{{Key: "version", Value: "3.13.3"}}}}}
			}
			got, err := st.Emit(docs)
			if err != nil {
				t.Fatal(err)
			}
			compact, err := json.Marshal(json.RawMessage(bytes.Join(bytes.Fields(got), nil)))
			if err != nil {
				t.Fatal(err)
			}
			indent := "\t"
			if n >= 0 {
				indent = strings.Repeat(" ", n)
			}
			var want bytes.Buffer
			if err := json.Indent(&want, compact, "", indent); err != nil {
				t.Fatal(err)
			}
			want.WriteByte('\n')
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s indent %d:\n%s\nwant\n%s", f, n, got, want.Bytes())
			}
		}
	}
}

// TestStoreOptionsYAML: any YAML indent goes through the library's emitter with that
// indent; the default (0 or 4) gives the same bytes as the default store.
func TestStoreOptionsYAML(t *testing.T) {
	def, err := yamlStore{}.Emit(layoutTree())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 2, 3, 4, 9, 10} {
		st, err := StoreForOptions(YAML, StoreOptions{YAMLIndent: n, JSONIndent: -1, JSONBinaryIndent: -1})
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.Emit(layoutTree())
		if err != nil {
			t.Fatal(err)
		}
		want := def
		if n != 0 && n != 4 {
			if want, err = yamlEmitLibraryIndent(layoutTree(), n); err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(want, def) && n != 1 && n != 10 {
				t.Errorf("indent %d gives the default layout", n)
			}
		}
		if !bytes.Equal(got, want) {
			t.Errorf("indent %d:\n%s\nwant\n%s", n, got, want)
		}
		docs, err := st.Parse(got)
		if err != nil || !treesEqual(docs[0], layoutTree()[0]) {
			t.Errorf("indent %d: does not read back (%v)", n, err)
		}
	}
}

func TestStoreOptionsRejected(t *testing.T) {
	for _, c := range []struct {
		f Format
		o StoreOptions
	}{
		{YAML, StoreOptions{YAMLIndent: -1, JSONIndent: -1, JSONBinaryIndent: -1}},
		{JSON, StoreOptions{JSONIndent: -2, JSONBinaryIndent: -1}},
		{Binary, StoreOptions{JSONIndent: -1, JSONBinaryIndent: -2}},
	} {
		if _, err := StoreForOptions(c.f, c.o); err == nil {
			t.Errorf("%s %+v: accepted", c.f, c.o)
		}
	}
	// only the store in use is checked
	if _, err := StoreForOptions(JSON, StoreOptions{YAMLIndent: -1, JSONIndent: -1, JSONBinaryIndent: -1}); err != nil {
		t.Error(err)
	}
}
