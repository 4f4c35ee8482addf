package nixstore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// format writes d back as the classic Derive(...) ATerm, the inverse of ParseDerivation for
// derivations without dynamic inputs; the fuzz target uses it for a round trip.
func format(d *Derivation) []byte {
	var b bytes.Buffer
	list := func(n int, item func(i int)) {
		b.WriteByte('[')
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			item(i)
		}
		b.WriteByte(']')
	}
	strs := func(ss []string) { list(len(ss), func(i int) { b.WriteString(EscapeString(ss[i])) }) }
	b.WriteString("Derive(")
	list(len(d.Outputs), func(i int) {
		o := d.Outputs[i]
		b.WriteString("(" + EscapeString(o.Name) + "," + EscapeString(o.Path) + "," +
			EscapeString(o.HashAlgo) + "," + EscapeString(o.Hash) + ")")
	})
	b.WriteByte(',')
	keys := make([]string, 0, len(d.InputDrvs))
	for k := range d.InputDrvs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	list(len(keys), func(i int) {
		b.WriteString("(" + EscapeString(keys[i]) + ",")
		strs(d.InputDrvs[keys[i]])
		b.WriteByte(')')
	})
	b.WriteByte(',')
	strs(d.InputSrcs)
	b.WriteString("," + EscapeString(d.System) + "," + EscapeString(d.Builder) + ",")
	strs(d.Args)
	b.WriteByte(',')
	list(len(d.Env), func(i int) {
		b.WriteString("(" + EscapeString(d.Env[i].Name) + "," + EscapeString(d.Env[i].Value) + ")")
	})
	b.WriteByte(')')
	return b.Bytes()
}

func readSeed(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "drv", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseRealDerivations parses .drv files written by Nix 2.8 (testdata/drv, made with
// nix-instantiate) and checks facts read off them by hand, and that Nix's own byte form
// comes back from format.
func TestParseRealDerivations(t *testing.T) {
	files, _ := filepath.Glob("testdata/drv/*.drv")
	if len(files) < 5 {
		t.Fatalf("seed corpus missing: %v", files)
	}
	for _, f := range files {
		data := readSeed(t, filepath.Base(f))
		d, err := ParseDerivation(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !bytes.Equal(format(d), data) {
			t.Errorf("%s: re-formatting does not give Nix's bytes back", f)
		}
		if (d.System != "x86_64-linux" && d.System != "builtin") || d.Builder == "" || len(d.Outputs) == 0 {
			t.Errorf("%s: system %q builder %q outputs %d", f, d.System, d.Builder, len(d.Outputs))
		}
	}

	d, err := ParseDerivation(readSeed(t, "escapes.drv"))
	if err != nil {
		t.Fatal(err)
	}
	weird, ok := d.Attr("weird")
	want := "quote\" backslash\\ newline\n tab\t cr\r dollar$ brace${x} unicode é ✓ \u00ff\x01"
	if !ok || weird != want {
		t.Errorf("weird = %q, want %q", weird, want)
	}
	if v, _ := d.Attr("list"); v != "a b c 1 1" {
		t.Errorf("list = %q", v)
	}
	if v, ok := d.Attr("empty"); !ok || v != "" {
		t.Errorf("empty = %q %v", v, ok)
	}
	if got := d.Args; len(got) != 2 || got[1] != `printf '%s\n' "$weird" > $out` {
		t.Errorf("args = %q", got)
	}

	d, err = ParseDerivation(readSeed(t, "inputs.drv"))
	if err != nil {
		t.Fatal(err)
	}
	wantIn := map[string][]string{"/nix/store/d63n1z9axwwqcq0pbflw8as0f42wp10x-hush-seed-dep.drv": {"dev", "out"}}
	if !reflect.DeepEqual(d.InputDrvs, wantIn) {
		t.Errorf("inputDrvs = %v", d.InputDrvs)
	}
	if len(d.InputSrcs) != 1 || !strings.HasSuffix(d.InputSrcs[0], "-corpus.nix") {
		t.Errorf("inputSrcs = %v", d.InputSrcs)
	}

	d, err = ParseDerivation(readSeed(t, "fixed.drv"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Builder != "builtin:fetchurl" || d.Outputs[0].HashAlgo != "sha256" || d.Outputs[0].Hash != strings.Repeat("0", 64) {
		t.Errorf("fixed: builder %q output %+v", d.Builder, d.Outputs[0])
	}
	d, err = ParseDerivation(readSeed(t, "recursive.drv"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Outputs[0].HashAlgo != "r:sha256" {
		t.Errorf("recursive hashAlgo %q", d.Outputs[0].HashAlgo)
	}
}

func TestLocate(t *testing.T) {
	data := readSeed(t, "escapes.drv")
	d, err := ParseDerivation(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		needle string
		want   string
	}{
		{"backslash", `attribute "weird"`},
		{"hush-seed-escapes\"),(\"out", `attribute "name"`},
		{"printf", "args[1]"},
		{`"x86_64-linux","/bin/sh"`, "system"},
		{`/bin/sh",[`, "builder"},
		{`v6bky33mw6fz2qfn97ms954s3la95h3x-hush-seed-escapes","",""`, `output "out"`},
		{`"empty"`, `attribute name "empty"`},
	} {
		i := bytes.Index(data, []byte(c.needle))
		if i < 0 {
			t.Fatalf("needle %q not in seed", c.needle)
		}
		f, ok := d.Locate(i + 1)
		if !ok || f.String() != c.want {
			t.Errorf("Locate(%q) = %v %v, want %s", c.needle, f, ok, c.want)
		}
	}
	// Structure between literals belongs to no field.
	if f, ok := d.Locate(0); ok {
		t.Errorf("Locate(0) = %v", f)
	}
	// Every span holds exactly the escaped form of the value it decodes to.
	for _, s := range d.Spans() {
		if data[s.Start] != '"' || data[s.End-1] != '"' {
			t.Errorf("span %+v not a literal", s)
		}
	}
}

func TestDynamicDerivation(t *testing.T) {
	// The versioned form of newer Nix with dynamic-derivations (written by hand from the
	// format Nix documents; Nix 2.8 cannot produce it).
	src := `DrvWithVersion("xp-dyn-drv",[("out","/nix/store/00000000000000000000000000000000-x","","")],` +
		`[("/nix/store/11111111111111111111111111111111-a.drv",(["out"],[("gen.drv",["out","dev"])])),` +
		`("/nix/store/22222222222222222222222222222222-b.drv",["lib"])],[],"x86_64-linux","/bin/sh",[],[("out","/nix/store/00000000000000000000000000000000-x")])`
	d, err := ParseDerivation([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"/nix/store/11111111111111111111111111111111-a.drv": {"out", "gen.drv^out", "gen.drv^dev"},
		"/nix/store/22222222222222222222222222222222-b.drv": {"lib"},
	}
	if d.Version != "xp-dyn-drv" || !reflect.DeepEqual(d.InputDrvs, want) {
		t.Errorf("version %q inputDrvs %v", d.Version, d.InputDrvs)
	}
	if _, err := ParseDerivation([]byte(strings.Replace(src, "xp-dyn-drv", "xp-future", 1))); err == nil {
		t.Error("unknown version accepted")
	}
	// The nested form is only valid in the versioned format.
	classic := strings.Replace(src, `DrvWithVersion("xp-dyn-drv",`, "Derive(", 1)
	if _, err := ParseDerivation([]byte(classic)); err == nil {
		t.Error("nested inputDrvs accepted in Derive(...)")
	}
}

func TestParseErrors(t *testing.T) {
	const secret = "s3cr3t-VALUE-do-not-print"
	for _, c := range []struct {
		in     string
		offset int
	}{
		{"", 0},
		{"Derivx(", 5},
		{"Derive(", 7},
		{`Derive([("out"`, 14},
		{`Derive([],[],[],"sys","b",[],[("a","` + secret, 35},
		{`Derive([],[],[],"sys","b",[],[("a","` + secret + `\`, 35},
		{`Derive([],[],[],"sys","b",[],[("a","` + secret + `")]`, 35 + len(secret) + 4},
		{`Derive([],[],[],"sys","b",[],[])` + secret, 32},
		{`Derive([],[],[],"sys","b",["a""b"],[])`, 30},
		{`Derive([],[("/d.drv",["out"]),("/d.drv",["out"])],[],"s","b",[],[])`, 31},
		{`Derive([],[],[],"s","b",[],[("a","b"),])`, 38},
	} {
		_, err := ParseDerivation([]byte(c.in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v is not a SyntaxError", c.in, err)
			continue
		}
		if se.Offset != c.offset {
			t.Errorf("%q: offset %d, want %d (%v)", c.in, se.Offset, c.offset, err)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%q: error quotes file content", c.in)
		}
	}
}

func TestEscapeString(t *testing.T) {
	for in, want := range map[string]string{
		"":           `""`,
		"plain":      `"plain"`,
		"a\"b\\c":    `"a\"b\\c"`,
		"n\nr\rt\t$": `"n\nr\rt\t$"`,
		"\x00\xff":   "\"\x00\xff\"",
	} {
		if got := EscapeString(in); got != want {
			t.Errorf("EscapeString(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseDerivation checks that the parser never panics, that every recorded span is a
// well-formed literal inside the input, and that whatever it accepts in the classic form
// survives a format/parse round trip unchanged.
func FuzzParseDerivation(f *testing.F) {
	files, _ := filepath.Glob("testdata/drv/*.drv")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`Derive([],[],[],"","",[],[])`))
	f.Add([]byte(`Derive([],[],[],"","",[],[("__json","{\"a\":[1,{\"b\\\"\":\"x\"}],\"c\":\"")])`))
	f.Add([]byte(`DrvWithVersion("xp-dyn-drv",[],[("/a.drv",([],[("b",["out"])]))],[],"","",[],[])`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDerivation(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(data) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		prev := 0
		for _, s := range d.Spans() {
			if s.Start < prev || s.End <= s.Start || s.End > len(data) || data[s.Start] != '"' || data[s.End-1] != '"' {
				t.Fatalf("bad span %+v", s)
			}
			prev = s.End
		}
		for off := 0; off < len(data); off += 1 + len(data)/64 {
			d.Locate(off) // names structured-attrs members too: must not panic
		}
		if d.Version != "" {
			return
		}
		again, err := ParseDerivation(format(d))
		if err != nil {
			t.Fatalf("re-parse of formatted derivation: %v", err)
		}
		again.spans, d.spans = nil, nil
		again.jsonLiteral, d.jsonLiteral = nil, nil
		if !reflect.DeepEqual(again, d) {
			t.Fatalf("round trip changed the derivation")
		}
	})
}

func TestLocateStructuredAttrs(t *testing.T) {
	data := readSeed(t, "structured.drv") // __structuredAttrs = true; nested = { a = 1; b = [ "x" "y\"z" ]; }
	d, err := ParseDerivation(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ needle, want string }{
		{`y\\\"z`, `structured attribute "nested.b[1]"`},
		{`x\",`, `structured attribute "nested.b[0]"`},
		{`hush-seed-structured\",`, `structured attribute "name"`},
		{`/bin/sh\",`, `structured attribute "builder"`},
		{`nested\"`, `structured attribute "nested"`}, // inside the key itself
	} {
		i := bytes.Index(data, []byte(c.needle))
		if i < 0 {
			t.Fatalf("needle %q not in seed", c.needle)
		}
		f, ok := d.Locate(i + 1)
		if !ok || f.String() != c.want {
			t.Errorf("Locate(%q) = %q, want %q", c.needle, f.String(), c.want)
		}
	}
	// the other env entry is an ordinary attribute
	i := bytes.LastIndex(data, []byte(`("out","/nix`))
	if f, _ := d.Locate(i + 8); f.String() != `attribute "out"` {
		t.Errorf("out: %q", f.String())
	}
}

func TestJSONPathAt(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":{"b":[1,2,{"c":"xx`: "a.b[2].c",
		`{"a":1,"b":"`:            "b",
		`{"a":1,`:                 "",
		`[[1],[2,"`:               "[1][1]",
		`{"k\"q":"`:               `k"q`,
		`{"a":"x"}]]`:             "",
	} {
		if got := jsonPathAt([]byte(in), len(in)); got != want {
			t.Errorf("jsonPathAt(%q) = %q, want %q", in, got, want)
		}
	}
}
