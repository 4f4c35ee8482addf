package install

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// sourceFile is one source file of the plan: read once, hashed once, decrypted at most once.
type sourceFile struct {
	path    string
	kind    SourceKind
	format  string
	data    []byte
	digest  string // hex sha256 of data: identifies the ciphertext, reveals nothing
	readErr error
	opened  Opened
	openErr error
	need    bool // some secret of this file must be decrypted this run
}

// readSources reads and hashes every distinct source file, in parallel. A full SHA-256 is
// used rather than (size, mtime, inode): files in the Nix store all carry mtime 1 and a
// rebuilt file can reuse an inode, so metadata cannot prove two ciphertexts equal, and
// hashing a thousand small files costs a few milliseconds.
func readSources(files []*sourceFile) {
	parallel(len(files), func(i int) {
		f := files[i]
		data, err := os.ReadFile(f.path)
		if err != nil {
			f.readErr = fmt.Errorf("reading %s: %w", f.path, err)
			return
		}
		sum := sha256.Sum256(data)
		f.data, f.digest = data, hex.EncodeToString(sum[:])
	})
}

// hashFiles is readSources for the quick path: digests only, through one reused buffer
// per worker, no copy of the data kept.
// When want is given (the recorded digests), hashing stops at the first mismatch: the
// answer is then "changed" and the full run follows; hashFiles returns false.
func hashFiles(files []*sourceFile, want []string) bool {
	var mismatch atomic.Bool
	// Source files usually share a directory (/nix/store): open it once and the files
	// relative to it, instead of resolving the whole path a thousand times.
	dirs := map[string]int{}
	for _, f := range files {
		d := filepath.Dir(f.path)
		if _, ok := dirs[d]; !ok {
			fd, err := unix.Open(d, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				fd = unix.AT_FDCWD
			}
			dirs[d] = fd
		}
	}
	defer func() {
		for _, fd := range dirs {
			if fd != unix.AT_FDCWD {
				unix.Close(fd)
			}
		}
	}()
	bufs := make(chan []byte, runtime.GOMAXPROCS(0))
	parallel(len(files), func(i int) {
		if mismatch.Load() {
			return
		}
		var buf []byte
		select {
		case buf = <-bufs:
		default:
			buf = make([]byte, 64<<10)
		}
		defer func() { bufs <- buf }()
		f := files[i]
		name := f.path
		dfd := dirs[filepath.Dir(f.path)]
		if dfd != unix.AT_FDCWD {
			name = filepath.Base(f.path)
		}
		fd, err := unix.Openat(dfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			f.readErr = err
			return
		}
		defer unix.Close(fd)
		h := sha256.New()
		for {
			n, err := unix.Read(fd, buf)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				f.readErr = err
				return
			}
			if n == 0 {
				break
			}
			h.Write(buf[:n])
			if n < len(buf) {
				// A short read of a regular file is its end on local filesystems. Were it
				// not, the digest would differ from the recorded one and the full run would
				// follow: stopping early can only cost time, never skip a change.
				break
			}
		}
		f.digest = hex.EncodeToString(h.Sum(nil))
		if want != nil && f.digest != want[i] {
			mismatch.Store(true)
		}
	})
	if mismatch.Load() {
		return false
	}
	for _, f := range files {
		if f.readErr != nil {
			return false
		}
	}
	return true
}

// decryptSources opens (decrypts) every file that is needed, each once, files in parallel.
func decryptSources(files []*sourceFile, dec Decrypter, decErr error) {
	var todo []*sourceFile
	for _, f := range files {
		if f.need && f.readErr == nil {
			todo = append(todo, f)
		}
	}
	parallel(len(todo), func(i int) {
		f := todo[i]
		if decErr != nil {
			f.openErr = decErr
			return
		}
		f.opened, f.openErr = dec.Open(f.kind, f.path, f.format, f.data)
	})
}

// parallel runs fn(0..n-1) on up to GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// contentKey identifies what a secret's bytes are made from: which ciphertext and which
// key in it. Equal keys mean equal bytes, so the old generation's file can be carried over
// without decrypting.
func contentKey(s *Secret, fileDigest string) string {
	d := newDigester("hush secret content v1")
	d.str(string(s.Kind))
	d.str(s.Format)
	d.str(fileDigest)
	d.key(s.Key)
	return d.sum()
}

// templateKey identifies a rendered template: its text and the content keys of the
// secrets it uses.
func templateKey(text []byte, refs []string, secretKeys map[string]string) string {
	d := newDigester("hush template content v1")
	d.str(string(text))
	for _, name := range refs {
		d.str(name)
		d.str(secretKeys[name])
	}
	return d.sum()
}
