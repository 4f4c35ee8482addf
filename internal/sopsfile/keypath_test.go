package sopsfile

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseKeyPath(t *testing.T) {
	for in, want := range map[string]KeyPath{
		`["a"]`:            {"a"},
		`["a"]["b"][0]`:    {"a", "b", 0},
		`['a']["b c"][12]`: {"a", "b c", 12},
		`["a[1]"]`:         {"a[1]"},
	} {
		got, err := ParseKeyPath(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "a", `["a"`, `[x]`, `[-1]`, `["a"]b`} {
		if _, err := ParseKeyPath(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if s := (KeyPath{"a", 1}).String(); s != `["a"][1]` {
		t.Error(s)
	}
}

func TestSetUnsetLookup(t *testing.T) {
	f := &File{Path: "x", Docs: []Branch{{{Key: "a", Value: Branch{{Key: "b", Value: "1"}}}, {Key: "l", Value: []any{"x", "y"}}}}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.Set(KeyPath{"a", "b"}, "2"))
	must(f.Set(KeyPath{"a", "c", "d"}, 3))
	must(f.Set(KeyPath{"l", 5}, "z"))
	must(f.Set(KeyPath{"l", 0}, "w"))
	must(f.Set(KeyPath{"new", 0, "k"}, true))
	want := Branch{
		{Key: "a", Value: Branch{{Key: "b", Value: "2"}, {Key: "c", Value: Branch{{Key: "d", Value: 3}}}}},
		{Key: "l", Value: []any{"w", "y", "z"}},
		{Key: "new", Value: []any{Branch{{Key: "k", Value: true}}}},
	}
	if !treesEqual(f.Docs[0], want) {
		t.Fatalf("after Set: %#v", f.Docs[0])
	}
	v, err := f.Lookup(KeyPath{"a", "c", "d"})
	if err != nil || v != 3 {
		t.Errorf("lookup: %v %v", v, err)
	}
	if _, err := f.Lookup(KeyPath{"l", 9}); err == nil {
		t.Error("lookup out of range")
	}
	must(f.Unset(KeyPath{"a", "b"}))
	must(f.Unset(KeyPath{"l", 1}))
	if err := f.Unset(KeyPath{"nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unset missing: %v", err)
	}
	if v, _ := f.Lookup(KeyPath{"l"}); !treesEqual(v, []any{"w", "z"}) {
		t.Errorf("after unset: %v", v)
	}
	if err := f.Set(KeyPath{"sops"}, "x"); err == nil {
		t.Error("set sops accepted")
	}
}
