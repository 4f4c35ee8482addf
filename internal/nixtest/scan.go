package nixtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Finding is one leak as `hush scan --json` reports it (decoded leniently, so that the test
// states what it needs and not how the scan package spells every field).
// internal/leak's Report writes {"findings":[{"path","secret","encoding","location",...}]}.
type Finding struct {
	Secret    string // "secret"
	Encoding  string // "encoding"
	File      string // "path"
	Attribute string // "location", e.g. `attribute "curlOpts"` for a .drv
	Offset    int64  // "offset"
}

// ScanResult is a finished `hush scan`.
type ScanResult struct {
	Exit     int
	Findings []Finding
	Stderr   string
	// Files is the report's count of files scanned (-1 when the report has none), so that
	// a clean result can be told from a scan that looked at nothing.
	Files int64
}

// Scan runs `hush scan --json ARGS...` with env added to the environment. It skips (or fails
// under HUSH_REQUIRE_ALL=1) when the hush binary has no scan command yet.
func Scan(t testing.TB, env []string, args ...string) ScanResult {
	t.Helper()
	bin := Hush(t)
	RequireScan(t)
	cmd := exec.Command(bin, append([]string{"scan", "--json"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := ScanResult{Stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.Exit = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("hush scan: %v", err)
	}
	f, derr := decodeFindings(stdout.Bytes())
	if derr != nil {
		t.Fatalf("hush scan --json: output not understood: %v (%d bytes)", derr, stdout.Len())
	}
	res.Findings = f
	res.Files = -1
	var counts struct {
		Files *int64 `json:"files"`
	}
	if json.Unmarshal(stdout.Bytes(), &counts) == nil && counts.Files != nil {
		res.Files = *counts.Files
	}
	return res
}

// CountFiles counts the regular files under paths (without following symbolic links, as
// hush scan walks): what a scan of them must have read.
func CountFiles(t testing.TB, paths ...string) int64 {
	t.Helper()
	var n int64
	for _, p := range paths {
		err := filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// RequireScan skips unless the built hush has a scan command.
func RequireScan(t testing.TB) {
	t.Helper()
	out, err := exec.Command(Hush(t), "scan", "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "hush scan") {
		if os.Getenv("HUSH_REQUIRE_ALL") == "1" {
			t.Fatalf("hush scan is not available: %v", err)
		}
		t.Skip("skipped: hush scan is not available in this build yet")
	}
}

// decodeFindings accepts a JSON array of findings, an object with a "findings" array, or
// one JSON object per line; field names are matched case-insensitively with a few synonyms.
func decodeFindings(b []byte) ([]Finding, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, nil
	}
	var raws []map[string]any
	switch b[0] {
	case '[':
		if err := json.Unmarshal(b, &raws); err != nil {
			return nil, err
		}
	case '{':
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err == nil {
			if fs, ok := pick(obj, "findings", "leaks", "results"); ok {
				list, _ := fs.([]any)
				for _, x := range list {
					if m, ok := x.(map[string]any); ok {
						raws = append(raws, m)
					}
				}
				break
			}
			raws = append(raws, obj)
			break
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				return nil, err
			}
			if _, isSummary := pick(m, "summary", "scanned", "files_scanned"); isSummary {
				if _, hasSecret := pick(m, "secret", "name"); !hasSecret {
					continue
				}
			}
			raws = append(raws, m)
		}
	default:
		return nil, fmt.Errorf("neither JSON array nor object")
	}
	var out []Finding
	for _, m := range raws {
		var f Finding
		f.Secret = str(m, "secret", "name", "secret_name", "secretName")
		f.Encoding = str(m, "encoding", "form", "enc")
		f.File = str(m, "path", "file")
		f.Attribute = str(m, "attribute", "location", "attr", "field")
		if v, ok := pick(m, "offset"); ok {
			if n, ok := v.(float64); ok {
				f.Offset = int64(n)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func pick(m map[string]any, names ...string) (any, bool) {
	for _, n := range names {
		for k, v := range m {
			if strings.EqualFold(k, n) {
				return v, true
			}
		}
	}
	return nil, false
}

func str(m map[string]any, names ...string) string {
	v, _ := pick(m, names...)
	switch v := v.(type) {
	case string:
		return v
	case map[string]any: // e.g. {"secret": {"name": ...}}
		return str(v, "name")
	}
	return ""
}

// GrepFiles runs the independent check: `grep -rlFa` over paths and `bzfgrep -l` (bzgrep -F) over every
// .bz2 file below them, for each value; it returns the files that hold any value (never the
// values or matching lines).
func GrepFiles(t testing.TB, values []string, paths ...string) []string {
	t.Helper()
	var hits []string
	var bz2 []string
	for _, p := range paths {
		out, _ := exec.Command("find", p, "-name", "*.bz2", "-type", "f").Output()
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l != "" {
				bz2 = append(bz2, l)
			}
		}
	}
	for _, v := range values {
		args := []string{"-rlFa", "-e", v, "--"}
		out, err := exec.Command("grep", append(args, paths...)...).Output()
		if code := exitCode(err); code > 1 {
			t.Fatalf("grep failed (exit %d)", code)
		}
		hits = append(hits, lines(out)...)
		if len(bz2) > 0 {
			out, err := exec.Command("bzfgrep", append([]string{"-l", "-e", v}, bz2...)...).Output()
			if code := exitCode(err); code > 1 {
				t.Fatalf("bzgrep failed (exit %d)", code)
			}
			hits = append(hits, lines(out)...)
		}
	}
	return hits
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return 99
}

func lines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
