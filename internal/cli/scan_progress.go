package cli

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressBar is scan's one-line progress display on a terminal: files, bytes, rate. It is
// our own (40 lines) rather than a progress module because the totals are unknown while the
// walk runs (so there is no bar to fill), the counters are atomics shared by all workers,
// and the line must be erased completely before the report is printed.
type progressBar struct {
	w    io.Writer
	done chan struct{}
	wg   sync.WaitGroup
}

func startProgress(w io.Writer, counters func() (files, bytes int64)) *progressBar {
	p := &progressBar{w: w, done: make(chan struct{})}
	start := time.Now()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		drawn := false
		for {
			select {
			case <-p.done:
				if drawn {
					fmt.Fprint(w, "\r\033[K")
				}
				return
			case <-tick.C:
				files, bytes := counters()
				rate := float64(bytes) / time.Since(start).Seconds()
				fmt.Fprintf(w, "\r\033[Kscanning: %d files, %s, %s/s", files, humanBytes(bytes), humanBytes(int64(rate)))
				drawn = true
			}
		}
	}()
	return p
}

// stop erases the line; a nil bar does nothing.
func (p *progressBar) stop() {
	if p == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
}
