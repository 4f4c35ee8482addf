package leak

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"sync"
	"time"
)

// DefaultIdleFlush is how long a Redactor holds back output that might be the start of a
// secret before it writes it anyway, so that a prompt or a slow program is not held up.
const DefaultIdleFlush = 100 * time.Millisecond

// occ is one occurrence of a matcher key.
type occ struct{ key, start int }

// Redactor is an io.WriteCloser that writes everything it is given to the underlying writer
// with every occurrence of every pattern replaced by [hush:NAME].
//
// Output is written at once, except for a tail that could be the beginning of a secret; that
// tail waits for more input, for Flush, for Close, or for IdleFlush without a Write. Where
// occurrences overlap, the leftmost wins and, among those starting at the same byte, the
// longest; an occurrence that overlaps one already replaced and reaches further extends the
// replaced region (so no byte of any secret gets through), adding its own tag if its name
// differs. A Redactor is safe for concurrent use; writes are serialised.
type Redactor struct {
	mu   sync.Mutex
	w    io.Writer
	set  *PatternSet
	tags [][]byte // by secret index

	// ctx holds the last bytes written out (up to MaxLen-1, so that an occurrence running
	// on from them is recognised) followed by the bytes not yet decided.
	ctx  []byte
	done int // ctx[:done] is already written out
	// openName is the secret index of the replaced region that ends exactly at ctx[done], or -1.
	openName int

	work   []byte
	out    []byte
	occs   []occ
	idle   time.Duration
	timer  *time.Timer
	err    error
	closed bool
}

// NewRedactor returns a Redactor writing to w, with the default idle flush.
func NewRedactor(w io.Writer, set *PatternSet) *Redactor {
	r := &Redactor{w: w, set: set, openName: -1, idle: DefaultIdleFlush}
	for _, n := range set.Names {
		r.tags = append(r.tags, []byte("[hush:"+n+"]"))
	}
	return r
}

// SetIdleFlush changes the idle delay; 0 disables the timer (output then waits for more
// input, Flush or Close).
func (r *Redactor) SetIdleFlush(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.idle = d
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("leak: write to closed redactor")

// Write redacts p. It returns len(p) unless the underlying writer failed.
func (r *Redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, ErrClosed
	}
	if r.err != nil {
		return 0, r.err
	}
	if err := r.process(p, false); err != nil {
		return 0, err
	}
	if r.idle > 0 && r.done < len(r.ctx) {
		if r.timer == nil {
			r.timer = time.AfterFunc(r.idle, r.idleFlush)
		} else {
			r.timer.Reset(r.idle)
		}
	}
	return len(p), nil
}

func (r *Redactor) idleFlush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed && r.err == nil {
		r.process(nil, true)
	}
}

// Flush writes out everything held back, replacing the occurrences complete so far. A secret
// cut by Flush is still masked from the cut on when the rest of it arrives.
func (r *Redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || r.closed {
		return r.err
	}
	return r.process(nil, true)
}

// Close flushes and stops the idle timer. It does not close the underlying writer.
func (r *Redactor) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.err
	}
	if r.timer != nil {
		r.timer.Stop()
	}
	if r.err == nil {
		r.process(nil, true)
	}
	r.closed = true
	return r.err
}

// process appends p to the context, writes out what is decided and keeps the rest. final
// treats the end of the input as the end of the stream.
func (r *Redactor) process(p []byte, final bool) error {
	buf := append(append(r.work[:0], r.ctx...), p...)
	r.work = buf
	m := r.set.matcher
	r.occs = r.occs[:0]
	m.FindAll(buf, r.done, func(key, start int) { r.occs = append(r.occs, occ{key, start}) })
	occs := r.occs
	if len(occs) > 1 {
		sort.Slice(occs, func(i, j int) bool {
			if occs[i].start != occs[j].start {
				return occs[i].start < occs[j].start
			}
			return len(m.keys[occs[i].key]) > len(m.keys[occs[j].key])
		})
	}
	hold := len(buf)
	if !final {
		hold = r.holdFrom(buf, r.done)
	}
	out := r.out[:0]
	pos, limit := r.done, hold
	for _, o := range occs {
		end := o.start + len(m.keys[o.key])
		if end <= pos {
			continue // inside a region already replaced
		}
		if o.start >= hold || end > hold {
			// Undecided: a longer pattern may still match here or run on from inside it.
			if o.start >= pos && o.start < limit {
				limit = o.start
			} else if o.start < pos {
				limit = pos
			}
			break
		}
		name := r.set.Patterns[r.set.keys[o.key][0]].Secret
		if o.start < pos {
			// Runs on from the region just replaced: extend it.
			if name != r.openName {
				out = append(out, r.tags[name]...)
			}
		} else {
			out = append(out, buf[pos:o.start]...)
			out = append(out, r.tags[name]...)
		}
		r.openName = name
		pos = end
	}
	if pos < limit {
		out = append(out, buf[pos:limit]...)
		pos = limit
		r.openName = -1
	}
	r.out = out
	if len(out) > 0 {
		if _, err := r.w.Write(out); err != nil {
			r.err = err
			return err
		}
	}
	keepFrom := pos - (m.maxLen - 1)
	if keepFrom > pos {
		keepFrom = pos // no patterns at all
	}
	if keepFrom < 0 {
		keepFrom = 0
	}
	r.ctx = append(r.ctx[:0], buf[keepFrom:]...)
	r.done = pos - keepFrom
	return nil
}

// holdFrom returns the first position (at or after done) from which the rest of buf could
// be the beginning of a pattern, or len(buf).
func (r *Redactor) holdFrom(buf []byte, done int) int {
	t := len(buf) - r.set.matcher.maxLen + 1
	if t < done {
		t = done
	}
	for ; t < len(buf); t++ {
		if r.set.mayStart(buf[t:]) && r.set.isProperPrefix(buf[t:]) {
			return t
		}
	}
	return len(buf)
}

// RedactString returns s with every pattern replaced by [hush:NAME], for hush's own messages
// and report fields: a path may be named after a secret (an output called after a token),
// and an error may quote such a path.
func (ps *PatternSet) RedactString(s string) string {
	if ps == nil || ps.matcher == nil {
		return s
	}
	var b bytes.Buffer
	r := NewRedactor(&b, ps)
	r.SetIdleFlush(0)
	r.Write([]byte(s)) // a bytes.Buffer does not fail
	r.Close()
	return b.String()
}
