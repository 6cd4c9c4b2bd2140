package harness

import (
	"context"
	"time"

	"github.com/clockwise-kv/clockwise/nemesis"
)

// Play applies the faults of scheds in time order, each once the wall clock
// reaches start plus its At, until stop ends or every schedule is spent: a
// real run's nemesis, whichever cluster it acts on. It runs on the calling
// goroutine and applies one fault at a time.
func Play(stop context.Context, start time.Time, scheds []nemesis.Schedule, apply func(nemesis.Fault)) {
	next := make([]*nemesis.Step, len(scheds))
	for i, s := range scheds {
		if st, ok := s.Next(); ok {
			next[i] = &st
		}
	}
	for {
		i := -1
		for j, st := range next {
			if st != nil && (i < 0 || st.At < next[i].At) {
				i = j
			}
		}
		if i < 0 || !Sleep(stop, time.Until(start.Add(time.Duration(next[i].At)))) {
			return
		}
		apply(next[i].Fault)
		if st, ok := scheds[i].Next(); ok {
			next[i] = &st
		} else {
			next[i] = nil
		}
	}
}

// Sleep waits d or until ctx ends; it reports whether ctx is still live.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
