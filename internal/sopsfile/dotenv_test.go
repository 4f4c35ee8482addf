package sopsfile

import (
	"reflect"
	"strings"
	"testing"
)

var dotenvFixtures = []struct{ name, plain string }{
	{"simple", "A=1\nB=hello world\nC=\n"},
	{"comments and blanks", "# head\n\nA=1\n#inline-ish\n\nB= spaced \n"},
	{"multi-line", "M=line1\\nline2\\n\nQ=\"quoted\"\n"},
	{"unicode", "GRÜSSE=日本語 ✓\nEMOJI=🔑\n"},
	{"equals in value", "URL=postgres://u:p@h/db?x=1&y=2\n"},
	{"no trailing newline", "A=1\nB=2"},
	{"crlf", "A=1\r\nB=2\r\n"},
	{"odd keys", "KEY WITH SPACE=1\n=empty key\nHASH=a # not a comment\n"},
	{"escapes", "A=back\\slash\nB=tab\there\nC='single'\n"},
}

func TestDotenvParse(t *testing.T) {
	docs, err := dotenvStore{}.Parse([]byte("#c\nA=1\n\nB=x\\ny\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Branch{{{Key: Comment{Value: "c"}}, {Key: "A", Value: "1"}, {Key: "B", Value: "x\ny"}}}
	if !reflect.DeepEqual(docs, want) {
		t.Fatalf("got %#v", docs)
	}
}

func TestDotenvMetadata(t *testing.T) {
	in := "A=1\nsops_age__list_0__map_enc=line1\\nline2\nsops_age__list_0__map_recipient=age1x\nsops_lastmodified=2026-01-01T00:00:00Z\nsops_version=3.13.3\n"
	docs, err := dotenvStore{}.Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := Branch{
		{Key: "A", Value: "1"},
		{Key: "sops", Value: Branch{
			{Key: "age", Value: []any{Branch{{Key: "enc", Value: "line1\nline2"}, {Key: "recipient", Value: "age1x"}}}},
			{Key: "lastmodified", Value: "2026-01-01T00:00:00Z"},
			{Key: "version", Value: "3.13.3"},
		}},
	}
	if !reflect.DeepEqual(docs[0], want) {
		t.Fatalf("got %#v", docs[0])
	}
	out, err := dotenvStore{}.Emit(docs)
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, "re-emit", out, []byte(in))
}

// TestDotenvSopsVariable: a variable named just "sops" is data next to the sops_ metadata
// lines, as in sops v3.13.3 (which encrypts and decrypts such files).
func TestDotenvSopsVariable(t *testing.T) {
	in := "sops=x\nA=1\nsops_version=3.13.3\n"
	docs, err := dotenvStore{}.Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	docs, meta, err := splitMetadata(docs, Dotenv)
	if err != nil || len(meta) != 1 {
		t.Fatalf("metadata %v, %v", meta, err)
	}
	if v, ok := docs[0].Get("sops"); !ok || v != "x" {
		t.Fatalf("the variable is lost: %v", docs[0])
	}
	if hasReservedSopsItem(docs[0], Dotenv) || !hasReservedSopsItem(docs[0], YAML) {
		t.Error("a dotenv variable sops is data; a YAML key sops is reserved")
	}
	out, err := dotenvStore{}.Emit([]Branch{append(docs[0], Item{Key: "sops", Value: meta})})
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, "re-emit", out, []byte(in))
}

func TestDotenvErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"A=1\nsecretvalue\n", "line 2"},
		{"sops_a=1\nsops_a__map_b=2\n", "sops_"},
		{"sops_l__list_1=x\n", "incomplete list"},
	} {
		_, err := dotenvStore{}.Parse([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q): error %v, want %q", c.in, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "secretvalue") {
			t.Errorf("error quotes the value")
		}
	}
	if _, err := (dotenvStore{}).Emit([]Branch{{{Key: "A", Value: Branch{}}}}); err == nil {
		t.Error("nested value written to dotenv")
	}
}

func TestDotenvValues(t *testing.T) {
	out, err := dotenvStore{}.Emit([]Branch{{
		{Key: "I", Value: 3}, {Key: "F", Value: 2.0}, {Key: "G", Value: 1.5e30}, {Key: "B", Value: true}, {Key: "N", Value: nil},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "I=3\nF=2.0\nG=1.5E+30\nB=true\nN=<nil>\n"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}
