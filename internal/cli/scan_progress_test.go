package cli

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The progress line shows files, bytes and rate, and stop erases it, so that the report
// starts on a clean line. (Whether it is shown at all depends on stderr being a terminal.)
func TestProgressLine(t *testing.T) {
	var out lockedBuffer
	bar := startProgress(&out, func() (int64, int64) { return 3, 5 << 20 })
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "scanning: 3 files, 5.0 MiB, ") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	bar.stop()
	got := out.String()
	if !strings.Contains(got, "scanning: 3 files, 5.0 MiB, ") || !strings.Contains(got, "/s") {
		t.Fatalf("no progress line: %q", got)
	}
	if !strings.HasSuffix(got, "\r\033[K") {
		t.Errorf("line not erased at stop: %q", got)
	}
	(*progressBar)(nil).stop() // no bar (not a terminal): nothing to do
}
