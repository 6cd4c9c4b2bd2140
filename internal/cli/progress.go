package cli

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Staged returns a harness progress callback that draws a bar of
// the operations on w, then goes on past them: stage(name) replaces the bar
// with a spinner that names what the command is doing (checking the
// history, writing the reports) and counts the seconds, until the next
// stage or done, which clears it. It draws only when w is a terminal and
// the CI environment variable is unset; otherwise all three do nothing, so
// logs and pipes stay clean.
func Staged(w io.Writer, total int) (tick func(done, total int), stage func(string), done func()) {
	f, ok := w.(*os.File)
	if !ok || !IsTerminal(f) || os.Getenv("CI") != "" || total <= 0 {
		return nil, func(string) {}, func() {}
	}
	bar := newBar(f, total, "operations")
	var (
		mu      sync.Mutex
		current = bar
		stop    chan struct{}
		spinner sync.WaitGroup
	)

	// end finishes what is drawn: the bar, or the spinner and its ticker.
	end := func() {
		if stop != nil {
			close(stop)
			spinner.Wait()
			stop = nil
		}
		_ = current.Finish()
	}
	stage = func(name string) {
		mu.Lock()
		defer mu.Unlock()
		end()
		current = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription(name),
			progressbar.OptionSpinnerType(14),
			// The ticker below turns the spinner: the library's own
			// goroutine would read the bar's state unlocked.
			progressbar.OptionSetSpinnerChangeInterval(0),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		stop = make(chan struct{})
		sp, st := current, stop
		spinner.Go(func() {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-st:
					return
				case <-t.C:
					_ = sp.Add(1)
				}
			}
		})
	}
	done = func() {
		mu.Lock()
		defer mu.Unlock()
		end()
	}
	return func(n, _ int) { _ = bar.Set(n) }, stage, done
}

// Counter draws a bar counting total things (runs, seeds, …) on w, as
// Staged draws the operations: only on a terminal and with CI unset.
func Counter(w io.Writer, total int, what string) (func(done, total int), func()) {
	f, ok := w.(*os.File)
	if !ok || !IsTerminal(f) || os.Getenv("CI") != "" || total <= 0 {
		return nil, func() {}
	}
	bar := newBar(f, total, what)
	return func(n, _ int) { _ = bar.Set(n) }, func() { _ = bar.Finish() }
}

// newBar is a bar counting total things on f, cleared when finished.
func newBar(f *os.File, total int, what string) *progressbar.ProgressBar {
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// IsTerminal reports whether f is a character device (a terminal).
func IsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
