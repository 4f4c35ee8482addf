package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"syscall"
	"testing"
)

// runHush runs the hush binary testscript put on PATH and returns stdout, stderr and the
// exit status.
func runHush(t *testing.T, args ...string) (stdout, stderr []byte, code int) {
	t.Helper()
	cmd := exec.Command("hush", args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.Bytes(), e.Bytes(), code
}

// TestScanJSONShape pins the --json report documented in docs/leak-guard.md: exactly these
// keys, with these types, and the exit statuses 0, 1 (a leak, even with an unreadable path
// beside it) and 2 (only errors: a vanished path, a FIFO given as PATH).
func TestScanJSONShape(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, s string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	values := write("values", "tok_ABCDEFGHIJKLMNOP\nabc\n")
	leak := write("tree/leak.txt", "x tok_ABCDEFGHIJKLMNOP y tok_ABCDEFGHIJKLMNOP\n")
	clean := write("clean/ok.txt", "nothing\n")
	if err := os.Symlink("leak.txt", filepath.Join(dir, "tree/link")); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	for _, p := range []string{fifo, filepath.Join(dir, "tree/fifo")} { // inside a tree: skipped
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	gone := filepath.Join(dir, "gone")

	out, stderr, code := runHush(t, "scan", "--json", "--values-file", values, filepath.Join(dir, "tree"), gone)
	if code != 1 {
		t.Fatalf("leak beside a missing path: exit %d, want 1; stderr %s", code, stderr)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(out, &top); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"bytes", "errors", "files", "findings", "seconds", "skippedSymlinks", "unscannable"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("top-level keys %v, want %v", keys, want)
	}
	type finding struct {
		Path         string `json:"path"`
		Secret       string `json:"secret"`
		Encoding     string `json:"encoding"`
		Offset       int64  `json:"offset"`
		Count        int    `json:"count"`
		Location     string `json:"location"`
		Decompressed bool   `json:"decompressed"`
	}
	var rep struct {
		Findings []finding `json:"findings"`
		Errors   []struct {
			Path string `json:"path"`
			Err  string `json:"error"`
		} `json:"errors"`
		Files           int64    `json:"files"`
		Bytes           int64    `json:"bytes"`
		SkippedSymlinks int64    `json:"skippedSymlinks"`
		Unscannable     []string `json:"unscannable"`
		Seconds         float64  `json:"seconds"`
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("report does not have the documented shape: %v", err)
	}
	wantF := []finding{{Path: leak, Secret: "values:1", Encoding: "raw", Offset: 2, Count: 2}}
	if !reflect.DeepEqual(rep.Findings, wantF) {
		t.Errorf("findings %+v, want %+v", rep.Findings, wantF)
	}
	if len(rep.Errors) != 1 || rep.Errors[0].Path != gone || rep.Errors[0].Err == "" {
		t.Errorf("errors %+v, want one for %s", rep.Errors, gone)
	}
	if rep.Files != 1 || rep.Bytes != 46 || rep.SkippedSymlinks != 1 || !reflect.DeepEqual(rep.Unscannable, []string{"values:2"}) {
		t.Errorf("files %d bytes %d symlinks %d unscannable %v", rep.Files, rep.Bytes, rep.SkippedSymlinks, rep.Unscannable)
	}
	if bytes.Contains(out, []byte("tok_ABCDEFGHIJKLMNOP")) || bytes.Contains(stderr, []byte("tok_ABCDEFGHIJKLMNOP")) {
		t.Error("the report shows the value")
	}

	// Clean: exit 0 and an empty findings array (not null).
	out, _, code = runHush(t, "scan", "--json", "--values-file", values, clean)
	if code != 0 || !bytes.Contains(out, []byte(`"findings": []`)) {
		t.Errorf("clean: exit %d, report %s", code, out)
	}
	// Only errors: exit 2, and the errors are in the report. A FIFO must not hang the scan.
	for _, p := range []string{gone, fifo} {
		out, _, code = runHush(t, "scan", "--json", "--values-file", values, p)
		if code != 2 || !bytes.Contains(out, []byte(`"errors": [`)) {
			t.Errorf("%s: exit %d, report %s", filepath.Base(p), code, out)
		}
	}
}
