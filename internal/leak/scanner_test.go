package leak

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hush-nix/hush/internal/nixstore"
	"github.com/hush-nix/hush/internal/testenv"
)

const (
	testToken = "tok_ABCDEFGHIJKLMNOP"
	testPass  = "correct horse battery"
)

func testSet(t *testing.T) *PatternSet {
	return mustSet(t, []Secret{{"api/token", []byte(testToken)}, {"db/pass", []byte(testPass)}, {"pin", []byte("1234")}}, Options{})
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// summary renders findings without values: "path secret encoding [location]" per line.
func summary(root string, rep *Report) string {
	var lines []string
	for _, f := range rep.Findings {
		rel, _ := filepath.Rel(root, f.Path)
		l := rel + " " + f.Secret + " " + f.Encoding
		if f.Location != "" {
			l += " [" + f.Location + "]"
		}
		if f.Decompressed {
			l += " (bzip2)"
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

func TestScanTreeEncodingsAndSymlinks(t *testing.T) {
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	outside := filepath.Join(dir, "outside")
	writeFile(t, filepath.Join(outside, "leak.txt"), []byte("token="+testToken))
	writeFile(t, filepath.Join(tree, "clean.txt"), []byte("nothing to see"))
	writeFile(t, filepath.Join(tree, "raw.txt"), []byte("x "+testToken+" y"))
	writeFile(t, filepath.Join(tree, "b64.json"), []byte(`{"auth":"`+base64.StdEncoding.EncodeToString([]byte("user:"+testPass))+`"}`))
	writeFile(t, filepath.Join(tree, "sub/hex.bin"), append([]byte{0, 1, 2}, []byte(hex.EncodeToString([]byte(testToken)))...))
	writeFile(t, filepath.Join(tree, "sub/url.txt"), []byte("https://u:correct%20horse%20battery@host/"))
	for _, l := range []struct{ name, target string }{
		{"link-out-file", filepath.Join(outside, "leak.txt")},
		{"link-out-dir", outside},
		{"link-in", "raw.txt"},
		{"link-named", "/run/" + testToken},
	} {
		if err := os.Symlink(l.target, filepath.Join(tree, l.name)); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(tree, "out-"+testPass), nil)
	s := &Scanner{Set: testSet(t), Workers: 3}
	rep := s.Scan([]string{tree})
	want := strings.Join([]string{
		"b64.json db/pass base64+2",
		"link-named api/token raw [symlink target]",
		"out-" + testPass + " db/pass raw [file name]",
		"raw.txt api/token raw",
		"sub/hex.bin api/token hex",
		"sub/url.txt db/pass percent",
	}, "\n")
	if got := summary(tree, rep); got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
	if rep.SkippedSymlinks != 4 || rep.Files != 6 || len(rep.Errors) != 0 {
		t.Errorf("symlinks=%d files=%d errors=%v", rep.SkippedSymlinks, rep.Files, rep.Errors)
	}
	if rep.Findings[3].Offset != 2 || rep.Findings[3].Count != 1 {
		t.Errorf("raw finding: offset %d count %d", rep.Findings[3].Offset, rep.Findings[3].Count)
	}
	// A link named on the command line is followed.
	rep = s.Scan([]string{filepath.Join(tree, "link-out-dir")})
	if len(rep.Findings) != 1 || rep.Findings[0].Encoding != EncRaw {
		t.Errorf("root symlink not followed: %s", summary(outside, rep))
	}
}

// Nested encodings inside one secret's padded base64 are reported once, as the longest.
func TestScanNoDuplicateEncodings(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "f"), []byte(base64.StdEncoding.EncodeToString([]byte(testToken))+"\n"+testToken+testToken))
	rep := (&Scanner{Set: testSet(t)}).Scan([]string{dir})
	if got := summary(dir, rep); got != "f api/token base64\nf api/token raw" {
		t.Errorf("findings:\n%s", got)
	}
	if rep.Findings[1].Count != 2 {
		t.Errorf("raw count %d", rep.Findings[1].Count)
	}
}

func TestScanBzip2(t *testing.T) {
	bz := testenv.Tool(t, "", "bzip2") // Go has no bzip2 writer; Nix writes the logs with libbz2
	dir := t.TempDir()
	var log bytes.Buffer
	for i := 0; i < 20000; i++ {
		log.WriteString("building... step\n")
	}
	log.WriteString("curl -u admin:" + testPass + " https://x\n")
	plain := filepath.Join(dir, "ab", "cdefgh-x.drv")
	writeFile(t, plain, log.Bytes())
	if out, err := exec.Command(bz, plain).CombinedOutput(); err != nil {
		t.Fatalf("bzip2: %v: %s", err, out)
	}
	writeFile(t, filepath.Join(dir, "notbz.bz2"), []byte(testToken))
	rep := (&Scanner{Set: testSet(t)}).Scan([]string{dir})
	if got := summary(dir, rep); got != "ab/cdefgh-x.drv.bz2 db/pass raw (bzip2)\nnotbz.bz2 api/token raw" {
		t.Errorf("findings:\n%s", got)
	}
	if rep.Findings[0].Offset != int64(20000*len("building... step\n")+len("curl -u admin:")) {
		t.Errorf("offset %d is not in the decompressed text", rep.Findings[0].Offset)
	}
}

// A bzip2 bomb is decompressed up to the bound only, and the file is reported as an error
// (exit 2), never as clean; what came before the bound is still found.
func TestScanBzip2Bound(t *testing.T) {
	bz := testenv.Tool(t, "", "bzip2")
	dir := t.TempDir()
	zeros := bytes.Repeat([]byte{0}, 4<<20)
	for name, data := range map[string][]byte{
		"late.log":  append(append([]byte{}, zeros...), testToken...),
		"early.log": append([]byte(testToken+"\n"), zeros...),
	} {
		p := filepath.Join(dir, name)
		writeFile(t, p, data)
		if out, err := exec.Command(bz, p).CombinedOutput(); err != nil {
			t.Fatalf("bzip2: %v: %s", err, out)
		}
	}
	rep := (&Scanner{Set: testSet(t), MaxDecompressed: 1 << 20}).Scan([]string{dir})
	if got := summary(dir, rep); got != "early.log.bz2 api/token raw (bzip2)" {
		t.Errorf("findings:\n%s", got)
	}
	if len(rep.Errors) != 2 || !strings.Contains(rep.Errors[0].Err, "more than 1048576 bytes") {
		t.Errorf("errors: %+v", rep.Errors)
	}
	rep = (&Scanner{Set: testSet(t)}).Scan([]string{dir})
	if len(rep.Findings) != 2 || len(rep.Errors) != 0 {
		t.Errorf("default bound: findings:\n%s\nerrors: %+v", summary(dir, rep), rep.Errors)
	}
}

// A .drv too big to parse is still scanned whole, without attribute names; one that is not
// ATerm at all is scanned as bytes.
func TestScanDrvTooBigOrInvalid(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "11111111111111111111111111111111-big.drv")
	writeFile(t, big, []byte(`Derive([],[],[],"x86_64-linux","/bin/sh",[],[("pad","`+strings.Repeat("x", 4096)+`"),("token","`+testToken+`")])`))
	bad := filepath.Join(dir, "22222222222222222222222222222222-bad.drv")
	writeFile(t, bad, []byte(`Derive(([["\`+testPass+`))`))
	defer func(n int) { maxDrvParse = n }(maxDrvParse)
	maxDrvParse = 1024
	rep := (&Scanner{Set: testSet(t)}).Scan([]string{dir})
	want := "11111111111111111111111111111111-big.drv api/token raw\n22222222222222222222222222222222-bad.drv db/pass raw"
	if got := summary(dir, rep); got != want || len(rep.Errors) != 0 {
		t.Errorf("findings:\n%s\nwant:\n%s\nerrors: %+v", got, want, rep.Errors)
	}
}

func TestScanDrvAttribute(t *testing.T) {
	dir := t.TempDir()
	drv := `Derive([("out","/nix/store/00000000000000000000000000000000-x","","")],[],[],"x86_64-linux","/bin/sh",["-c","echo hi"],[("builder","/bin/sh"),("curlOpts","-u user:` + testPass + `"),("key","line1\n` + testToken + `\n"),("name","x"),("out","/nix/store/00000000000000000000000000000000-x"),("system","x86_64-linux")])`
	path := filepath.Join(dir, "00000000000000000000000000000000-x.drv")
	writeFile(t, path, []byte(drv))
	rep := (&Scanner{Set: testSet(t)}).Scan([]string{path})
	want := "00000000000000000000000000000000-x.drv db/pass raw [attribute \"curlOpts\"]\n00000000000000000000000000000000-x.drv api/token raw [attribute \"key\"]"
	if got := summary(dir, rep); got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
}

func TestScanErrors(t *testing.T) {
	rep := (&Scanner{Set: testSet(t)}).Scan([]string{filepath.Join(t.TempDir(), "missing")})
	if len(rep.Errors) != 1 || len(rep.Findings) != 0 {
		t.Fatalf("errors=%v", rep.Errors)
	}
}

// The post-build hook scans the outputs (asked from the store when OUT_PATHS is empty, as in
// Nix 2.8), the .drv, its input sources and its log, here in a fake store directory.
func TestHookTargetsFakeStore(t *testing.T) {
	store := t.TempDir()
	logs := t.TempDir()
	drvPath := filepath.Join(store, "11111111111111111111111111111111-leaky.drv")
	out := filepath.Join(store, "22222222222222222222222222222222-leaky")
	src := filepath.Join(store, "33333333333333333333333333333333-token")
	writeFile(t, src, []byte(testToken))
	writeFile(t, drvPath, []byte(`Derive([("out","`+out+`","","")],[],["`+src+`"],"x86_64-linux","/bin/sh",["-c","echo $token"],[("token","`+testToken+`")])`))
	writeFile(t, filepath.Join(out, "share", "config"), []byte("password = "+testPass+"\n"))
	logPath := filepath.Join(logs, "11", "111111111111111111111111111111-leaky.drv")
	writeFile(t, logPath, []byte(testToken+"\n"))
	asked := 0
	env := HookEnv{
		DrvPath:   drvPath,
		Outputs:   func(d string) ([]string, error) { asked++; return []string{out}, nil },
		BuildLog:  func(d string) (string, bool) { return logPath, true },
		InputSrcs: nixstore.InputSources,
	}
	targets, err := HookTargets(env)
	if err != nil {
		t.Fatal(err)
	}
	if asked != 1 || len(targets) != 4 {
		t.Fatalf("asked=%d targets=%d", asked, len(targets))
	}
	rep := (&Scanner{Set: testSet(t)}).Scan(targets)
	if len(rep.Findings) != 4 || len(rep.Errors) != 0 {
		t.Fatalf("findings:\n%s\nerrors: %v", summary(store, rep), rep.Errors)
	}
	env.OutPaths = out
	if _, err := HookTargets(env); err != nil || asked != 1 {
		t.Fatalf("OUT_PATHS given but store asked: %v", err)
	}
	if _, err := HookTargets(HookEnv{}); err == nil {
		t.Fatal("no DRV_PATH accepted")
	}
	// A .drv hush cannot read fails the hook (and the build) rather than skipping its sources.
	env.InputSrcs = func(string) ([]string, error) { return nil, errors.New("unreadable") }
	if _, err := HookTargets(env); err == nil {
		t.Fatal("unreadable input sources accepted")
	}
}
