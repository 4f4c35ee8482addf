package leak

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/hush-nix/hush/internal/nixstore"
)

// Finding is one secret found in one place, in one encoding. It never holds the value.
type Finding struct {
	Path     string `json:"path"`
	Secret   string `json:"secret"`
	Encoding string `json:"encoding"`
	// Offset is the first occurrence's byte offset in the file, after decompression when
	// Decompressed is set.
	Offset int64 `json:"offset"`
	Count  int   `json:"count"`
	// Location names the part of a .drv holding it, e.g. `attribute "curlOpts"`.
	Location     string `json:"location,omitempty"`
	Decompressed bool   `json:"decompressed,omitempty"`
}

// ScanError is a file that could not be scanned (wholly or in part).
type ScanError struct {
	Path string `json:"path"`
	Err  string `json:"error"`
}

// Report is the result of a scan.
type Report struct {
	Findings []Finding   `json:"findings"`
	Errors   []ScanError `json:"errors,omitempty"`
	Files    int64       `json:"files"`
	Bytes    int64       `json:"bytes"`
	// SkippedSymlinks counts symbolic links met inside trees: never followed (what they
	// point to inside a scanned tree is scanned as part of it; what lies outside is not).
	SkippedSymlinks int64 `json:"skippedSymlinks"`
}

// Scanner scans files and trees for the patterns of a set.
type Scanner struct {
	Set *PatternSet
	// Workers is the number of files scanned at once; 0 means one per CPU.
	Workers int
	// MaxDecompressed bounds the bytes a .bz2 file may decompress to (a bzip2 bomb turns 2 KB
	// into gigabytes); past it the rest of the file is not scanned and the file is reported
	// as an error, never as clean. 0 means DefaultMaxDecompressed.
	MaxDecompressed int64

	files, bytes atomic.Int64
}

// Progress returns the files and bytes scanned so far by the current Scan (safe to call
// during it). A Scanner runs one Scan at a time.
func (s *Scanner) Progress() (files, bytes int64) { return s.files.Load(), s.bytes.Load() }

// DefaultMaxDecompressed is the default bound on a .bz2 file's decompressed size: far above
// a real build log, and a few seconds of bzip2 decompression.
const DefaultMaxDecompressed = 1 << 30

// maxDrvParse is the largest .drv read whole and parsed to name attributes; a larger one is
// still scanned in full, as a stream, without attribute names. A variable for the tests.
var maxDrvParse = 256 << 20

// maxOccurrencesPerFile bounds the memory a file full of matches can take; past it,
// occurrences are still counted but no longer deduplicated across encodings.
const maxOccurrencesPerFile = 100000

// Scan scans every root: a regular file, or a directory walked without following symbolic
// links. A root that is itself a symlink is followed (the user named it). Files reached
// twice are scanned once. .bz2 files are decompressed; .drv files are parsed so a finding
// names the attribute.
func (s *Scanner) Scan(roots []string) *Report {
	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	s.files.Store(0)
	s.bytes.Store(0)
	rep := &Report{Findings: []Finding{}}
	var mu sync.Mutex
	addErr := func(path string, err error) {
		mu.Lock()
		rep.Errors = append(rep.Errors, ScanError{Path: path, Err: err.Error()})
		mu.Unlock()
	}
	jobs := make(chan string, 256)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &fileScanner{set: s.Set, scanner: s}
			for path := range jobs {
				found, err := w.scanFile(path)
				mu.Lock()
				rep.Findings = append(rep.Findings, found...)
				mu.Unlock()
				if err != nil {
					addErr(path, err)
				}
			}
		}()
	}
	seen := map[string]bool{}
	var symlinks int64
	names := &fileScanner{set: s.Set, scanner: s} // the walker's own, for names and link targets
	for _, root := range roots {
		root = filepath.Clean(root)
		fi, err := os.Stat(root)
		if err != nil {
			addErr(root, err)
			continue
		}
		if !fi.IsDir() {
			if real, err := filepath.EvalSymlinks(root); err == nil {
				root = real // opened below without following links
			}
			if fi.Mode().IsRegular() && !seen[root] {
				seen[root] = true
				names.scanName(root, fs.FileInfoToDirEntry(fi))
				jobs <- root
			} else if !fi.Mode().IsRegular() {
				addErr(root, errors.New("not a regular file or directory"))
			}
			continue
		}
		// Walk the real directory so that a root symlink (e.g. /run/current-system) is
		// entered, while links inside are not.
		walkRoot := root
		if real, err := filepath.EvalSymlinks(root); err == nil {
			walkRoot = real
		}
		err = filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				addErr(p, err)
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			names.scanName(p, d)
			switch {
			case d.Type()&fs.ModeSymlink != 0:
				symlinks++
			case d.Type().IsRegular():
				if !seen[p] {
					seen[p] = true
					jobs <- p
				}
			}
			return nil
		})
		if err != nil {
			addErr(root, err)
		}
	}
	close(jobs)
	wg.Wait()
	rep.Findings = append(rep.Findings, names.nameFindings...)
	rep.Files, rep.Bytes = s.Progress()
	rep.SkippedSymlinks = symlinks
	sortFindings(rep.Findings)
	sort.Slice(rep.Errors, func(i, j int) bool { return rep.Errors[i].Path < rep.Errors[j].Path })
	return rep
}

func sortFindings(f []Finding) {
	sort.Slice(f, func(i, j int) bool {
		a, b := f[i], f[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Offset != b.Offset {
			return a.Offset < b.Offset
		}
		if a.Secret != b.Secret {
			return a.Secret < b.Secret
		}
		return a.Encoding < b.Encoding
	})
}

// fileScanner is one worker's state: its buffer is reused across files.
type fileScanner struct {
	set     *PatternSet
	scanner *Scanner
	buf     []byte
	occs    []occ64
	extra   int

	nameFindings []Finding
}

// scanName looks for secrets in a directory entry's name (an output may be named after a
// secret) and in a symbolic link's target.
func (w *fileScanner) scanName(path string, d fs.DirEntry) {
	look := func(what string, text []byte) {
		w.reset()
		w.set.matcher.FindAll(text, 0, func(key, start int) { w.add(key, int64(start)) })
		w.nameFindings = append(w.nameFindings, w.findings(path, func(int64) string { return what })...)
	}
	look("file name", []byte(d.Name()))
	if d.Type()&fs.ModeSymlink != 0 {
		if target, err := os.Readlink(path); err == nil {
			look("symlink target", []byte(target))
		}
	}
}

type occ64 struct {
	key int
	off int64
}

// countingReader adds to the scanner's byte counter as it reads.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (w *fileScanner) scanFile(path string) ([]Finding, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	w.scanner.files.Add(1)
	var r io.Reader = countingReader{f, &w.scanner.bytes}
	decompressed := false
	if strings.HasSuffix(path, ".bz2") {
		br := bufio.NewReaderSize(r, 64<<10)
		if magic, _ := br.Peek(3); bytes.Equal(magic, []byte("BZh")) {
			limit := w.scanner.MaxDecompressed
			if limit <= 0 {
				limit = DefaultMaxDecompressed
			}
			r, decompressed = &capReader{r: bzip2.NewReader(br), left: limit, limit: limit}, true
		} else {
			r = br
		}
	}
	isDrv := strings.HasSuffix(strings.TrimSuffix(path, ".bz2"), ".drv") && !decompressed
	if isDrv {
		data, err := io.ReadAll(io.LimitReader(r, int64(maxDrvParse)+1))
		if err != nil {
			return nil, err
		}
		if len(data) <= maxDrvParse {
			return w.scanDrv(path, data), nil
		}
		r = io.MultiReader(bytes.NewReader(data), r) // too big to parse: scan it all anyway
	}
	w.reset()
	_, err = w.set.matcher.ScanReader(r, w.buf, w.add)
	if err != nil && decompressed {
		err = fmt.Errorf("bzip2: %w", err)
	}
	found := w.findings(path, func(int64) string { return "" })
	for i := range found {
		found[i].Decompressed = decompressed
	}
	return found, err
}

// errTooBig ends the scan of a .bz2 file that decompresses to more than the bound.
type errTooBig struct{ limit int64 }

func (e errTooBig) Error() string {
	return fmt.Sprintf("decompresses to more than %d bytes (raise --max-decompressed): the rest was not scanned", e.limit)
}

// capReader reads at most left bytes from r, then fails with errTooBig if r has more.
type capReader struct {
	r           io.Reader
	left, limit int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 || err == nil {
			return 0, errTooBig{c.limit}
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func (w *fileScanner) reset() {
	if w.buf == nil {
		w.buf = make([]byte, 1<<20+2*w.set.matcher.maxLen)
	}
	w.occs = w.occs[:0]
	w.extra = 0
}

func (w *fileScanner) add(key int, off int64) {
	if len(w.occs) < maxOccurrencesPerFile {
		w.occs = append(w.occs, occ64{key, off})
	} else {
		w.extra++
	}
}

// scanDrv scans a .drv's bytes and, when it parses, names the field of each finding.
func (w *fileScanner) scanDrv(path string, data []byte) []Finding {
	w.reset()
	w.set.matcher.FindAll(data, 0, func(key, start int) { w.add(key, int64(start)) })
	if len(w.occs) == 0 {
		return nil
	}
	// A trailing newline (a .drv written by hand or by a test) does not move any offset.
	drv, err := nixstore.ParseDerivation(bytes.TrimRight(data, "\n"))
	return w.findings(path, func(off int64) string {
		if err != nil {
			return "" // not a derivation after all (e.g. an uncompressed build log)
		}
		if f, ok := drv.Locate(int(off)); ok {
			return f.String()
		}
		return ""
	})
}

// findings turns the worker's occurrences into findings: an occurrence inside a longer one
// of the same secret (the padded base64 contains the unpadded one) is not reported again,
// and the rest are counted per secret, encoding and location.
func (w *fileScanner) findings(path string, locate func(off int64) string) []Finding {
	if len(w.occs) == 0 {
		return nil
	}
	type one struct {
		pat        int
		start, end int64
	}
	var all []one
	for _, o := range w.occs {
		n := int64(len(w.set.matcher.keys[o.key]))
		for _, pi := range w.set.keys[o.key] {
			all = append(all, one{pi, o.off, o.off + n})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].start != all[j].start {
			return all[i].start < all[j].start
		}
		return all[i].end > all[j].end
	})
	maxEnd := map[int]int64{} // secret -> end of the furthest kept occurrence
	type aggKey struct {
		pat int
		loc string
	}
	agg := map[aggKey]*Finding{}
	var order []aggKey
	for _, o := range all {
		sec := w.set.Patterns[o.pat].Secret
		if e, ok := maxEnd[sec]; ok && e >= o.end {
			continue
		}
		maxEnd[sec] = o.end
		k := aggKey{o.pat, locate(o.start)}
		if f, ok := agg[k]; ok {
			f.Count++
			continue
		}
		p := w.set.Patterns[o.pat]
		agg[k] = &Finding{Path: path, Secret: w.set.Names[p.Secret], Encoding: p.Encoding, Offset: o.start, Count: 1, Location: k.loc}
		order = append(order, k)
	}
	out := make([]Finding, 0, len(order))
	for _, k := range order {
		out = append(out, *agg[k])
	}
	if w.extra > 0 && len(out) > 0 {
		out[len(out)-1].Count += w.extra
	}
	return out
}
