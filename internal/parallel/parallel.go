// Package parallel runs independent pieces of work on a bounded number of
// goroutines: the one worker pool of the matrix, sweeps, the checker's keys
// and imported histories' keys.
package parallel

import "sync"

// Do runs work(0)…work(n-1) on par goroutines (at least one, at most n) and
// returns each one's error, in order. progress, when not nil, hears how
// many have finished after each, one call at a time.
func Do(n, par int, work func(i int) error, progress func(done, total int)) []error {
	errs := make([]error, n)
	next := make(chan int)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	for range max(min(par, n), 1) {
		wg.Go(func() {
			for i := range next {
				errs[i] = work(i)
				if progress != nil {
					mu.Lock()
					done++
					progress(done, n)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}
