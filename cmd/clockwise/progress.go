package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress returns a harness progress callback that draws a bar of the
// operations on w, and a function that clears it. It draws only when w is a
// terminal and the CI environment variable is unset; otherwise both do
// nothing, so logs and pipes stay clean.
func progress(w io.Writer, total int) (func(done, total int), func()) {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(f) || os.Getenv("CI") != "" || total <= 0 {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription("operations"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return func(done, _ int) { _ = bar.Set(done) }, func() { _ = bar.Finish() }
}
