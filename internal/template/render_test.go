package template

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
)

func values(m map[string]string) func(string) ([]byte, bool) {
	return func(n string) ([]byte, bool) {
		v, ok := m[n]
		return []byte(v), ok
	}
}

func TestSopsPlaceholder(t *testing.T) {
	// sops-nix: "<SOPS:${builtins.hashString "sha256" name}:PLACEHOLDER>"
	got := SopsPlaceholder("db/password")
	want := "<SOPS:4c4bafe61f052e13a786eaf8b0a7ee0af7c39c5ccade2b24c9fbea4914962b9d:PLACEHOLDER>"
	if got != want {
		t.Fatalf("got %s", got)
	}
}

func TestRender(t *testing.T) {
	vals := map[string]string{"a": "VA", "b/c": "VBC", "x": "<hush:a>", "long": "L"}
	lits := map[string]string{
		SopsPlaceholder("a"): "a",
		"@@X@@":              "x",
		"@@":                 "long", // prefix of another literal: longest match wins
		"<hush:a>tail":       "long", // literal longer than the hush placeholder at the same spot
	}
	r, err := New(Options{Hush: true, Literals: lits})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want, err string }{
		{in: "", want: ""},
		{in: "no placeholders < here > <hush:", err: "without a closing"},
		{in: "plain < text >", want: "plain < text >"},
		{in: "p=<hush:a>;q=<hush:b/c>", want: "p=VA;q=VBC"},
		{in: "<hush:a><hush:a>", want: "VAVA"},
		{in: "s=" + SopsPlaceholder("a") + ".", want: "s=VA."},
		{in: "@@X@@ @@ @", want: "<hush:a> L @"}, // a value is never re-scanned
		{in: "<hush:a>tail!", want: "L!"},
		{in: "<hush:>", err: "empty secret name"},
		{in: "<hush:nope>", err: `unknown secret "nope"`},
		{in: "<hush:a\nb>", err: "invalid secret name"},
		{in: "<SOPS:0000:PLACEHOLDER>", want: "<SOPS:0000:PLACEHOLDER>"},
	} {
		got, err := r.Render([]byte(tc.in), values(vals))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%q: got %q %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRenderNoHush(t *testing.T) {
	// A sops-nix manifest's templates know only its literal placeholders.
	r, err := New(Options{Literals: map[string]string{"<SOPS:1:PLACEHOLDER>": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Render([]byte("<hush:a> <hush: <SOPS:1:PLACEHOLDER>"), values(map[string]string{"a": "v"}))
	if err != nil || string(got) != "<hush:a> <hush: v" {
		t.Fatalf("got %q %v", got, err)
	}
}

func TestErrorsHoldNoValue(t *testing.T) {
	r, _ := New(Options{Hush: true})
	secret := "s3cr3t-value-never-shown"
	_, err := r.Render([]byte("<hush:a> then <hush:missing>"), values(map[string]string{"a": secret}))
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("err %v", err)
	}
}

func TestRefsAndNames(t *testing.T) {
	r, _ := New(Options{Hush: true, Literals: map[string]string{"%%K%%": "k"}})
	refs, err := r.Refs([]byte("x<hush:b>y%%K%%<hush:a><hush:b>"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Ref{{"b", 1, 8}, {"k", 10, 5}, {"a", 15, 8}, {"b", 23, 8}}
	if fmt.Sprint(refs) != fmt.Sprint(want) {
		t.Errorf("refs %v, want %v", refs, want)
	}
	names, _ := r.Names([]byte("x<hush:b>y%%K%%<hush:a><hush:b>"))
	if strings.Join(names, ",") != "a,b,k" {
		t.Errorf("names %v", names)
	}
}

func TestNewRejectsEmptyLiteral(t *testing.T) {
	if _, err := New(Options{Literals: map[string]string{"": "a"}}); err == nil {
		t.Fatal("empty literal accepted")
	}
}

// naiveRender is the reference: at every position try every placeholder, take the longest.
func naiveRender(content []byte, hush bool, lits map[string]string, vals map[string]string) ([]byte, bool) {
	var out []byte
	for i := 0; i < len(content); {
		bestN, bestName, bad := 0, "", false
		for lit, name := range lits {
			if bytes.HasPrefix(content[i:], []byte(lit)) && len(lit) > bestN {
				bestN, bestName = len(lit), name
			}
		}
		if hush && bytes.HasPrefix(content[i:], []byte(HushPrefix)) {
			rest := content[i+len(HushPrefix):]
			end := bytes.IndexByte(rest, '>')
			switch {
			case end > maxNameLen:
				end = -1
				fallthrough
			case end < 0, end == 0:
				bad = bestN == 0
			default:
				if n := len(HushPrefix) + end + 1; n > bestN {
					if bytes.ContainsAny(rest[:end], "\x00\n<") {
						return nil, false
					}
					bestN, bestName = n, string(rest[:end])
				}
			}
		}
		if bad {
			return nil, false
		}
		if bestN == 0 {
			out = append(out, content[i])
			i++
			continue
		}
		v, ok := vals[bestName]
		if !ok {
			return nil, false
		}
		out = append(out, v...)
		i += bestN
	}
	return out, true
}

func FuzzRenderTemplate(f *testing.F) {
	f.Add([]byte("a=<hush:a> b=<hush:b>"), "@@", "<SOPS:x:PLACEHOLDER>", true)
	f.Add([]byte("@@@@<hush:<hush:a>>"), "@", "@@", true)
	f.Add([]byte("<SOPS:x:PLACEHOLDER><hush:"), "<SOPS:", "<SOPS:x:PLACEHOLDER>", false)
	f.Add([]byte("<hush:a>>"), "<hush:a>>", "a>", true)
	f.Fuzz(func(t *testing.T, content []byte, lit1, lit2 string, hush bool) {
		lits := map[string]string{}
		if lit1 != "" {
			lits[lit1] = "a"
		}
		if lit2 != "" && lit2 != lit1 {
			lits[lit2] = "b"
		}
		vals := map[string]string{"a": "<hush:b>", "b": "VB", "<hush:a": "V3"}
		r, err := New(Options{Hush: hush, Literals: lits})
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Render(content, values(vals))
		want, ok := naiveRender(content, hush, lits, vals)
		if (err == nil) != ok {
			t.Fatalf("Render err %v, reference ok %v", err, ok)
		}
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("Render %q, reference %q", got, want)
		}
		if _, rerr := r.Refs(content); ok && rerr != nil {
			t.Fatalf("Render ok but Refs: %v", rerr)
		}
	})
}

func BenchmarkRender(b *testing.B) {
	lits := map[string]string{}
	vals := map[string]string{}
	var tmpl strings.Builder
	for i := range 10000 {
		n := fmt.Sprintf("secret-%d", i)
		lits[SopsPlaceholder(n)] = n
		vals[n] = fmt.Sprintf("%x", sha256.Sum256([]byte(n)))
		if i%10 == 0 {
			fmt.Fprintf(&tmpl, "key%d = <hush:%s>\nother%d = %s\n", i, n, i, SopsPlaceholder(n))
		}
	}
	r, _ := New(Options{Hush: true, Literals: lits})
	content := []byte(tmpl.String())
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		if _, err := r.Render(content, values(vals)); err != nil {
			b.Fatal(err)
		}
	}
}
