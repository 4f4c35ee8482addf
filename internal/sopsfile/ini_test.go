package sopsfile

import (
	"reflect"
	"strings"
	"testing"
)

var iniFixtures = []struct{ name, plain string }{
	{"sections", "[db]\nuser = admin\npassword = hunter2\n\n[web]\nport = 8080\n"},
	{"default section", "top = 1\n[s]\nk = v\n"},
	{"comments", "; file comment\n[s]\n# about k\nk = v\n; about j\nj = w\n"},
	{"quoting", "[q]\nhash = `a # b`\nsemi = \"a ; b\"\nspace = \" lead\"\nmulti = \"\"\"line1\nline2\"\"\"\nempty =\n"},
	{"unicode", "[ü]\nключ = значение ✓\n"},
	{"duplicate sections", "[a]\nx = 1\n[a]\ny = 2\n"},
	{"alignment", "[s]\na = 1\nlonger_key = 2\n"},
	{"delimiters", "[s]\ncolon: value\neq=value=more\nspaced key = v\n"},
	{"inline comments", "[s]\nk = v ; trailing\nj = w # hash\n"},
	{"dotted section", "[a.b.c]\nk = v\n[with space]\nx = 1\n"},
	{"backquote value", "[s]\nk = `has ; semi`\nq = \"dq\"\n"},
}

func TestINIParse(t *testing.T) {
	docs, err := iniStore{}.Parse([]byte("; c\n[s]\n; about k\nk = v\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Branch{{
		{Key: "DEFAULT", Value: Branch{}},
		{Key: "s", Value: Branch{{Key: Comment{Value: "c"}}, {Key: "k", Value: "v"}, {Key: Comment{Value: "about k"}}}},
	}}
	if !reflect.DeepEqual(docs, want) {
		t.Fatalf("got %#v", docs)
	}
}

func TestINIMetadata(t *testing.T) {
	docs := []Branch{{
		{Key: "s", Value: Branch{{Key: "k", Value: "v"}}},
		{Key: "sops", Value: Branch{
			{Key: "age", Value: []any{Branch{{Key: "enc", Value: "a\nb"}, {Key: "recipient", Value: "age1x"}}}},
			{Key: "version", Value: "3.13.3"},
		}},
	}}
	out, err := iniStore{}.Emit(docs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "[sops]\nage__list_0__map_enc       = a\\nb\n") {
		t.Errorf("flattened metadata not as expected:\n%s", out)
	}
	back, err := iniStore{}.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back[0][1:], docs[0]) {
		t.Errorf("metadata did not survive: %#v", back[0])
	}
}

func TestINIErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"[s]\nk = v\nsecretvalue\n", "line 3"},
		{"[s\nk = v\n", "line 1: unclosed section"},
		{"[s]\n= secretvalue\n", "line 2"},
	} {
		_, err := iniStore{}.Parse([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q): error %v, want %q", c.in, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "secretvalue") {
			t.Errorf("error quotes the value")
		}
	}
}
