package parallel

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDoRunsEachOnceAndKeepsErrorsInOrder(t *testing.T) {
	var ran [50]atomic.Int32
	var running, most atomic.Int32
	var calls []int
	errs := Do(len(ran), 3, func(i int) error {
		now := running.Add(1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		defer running.Add(-1)
		ran[i].Add(1)
		if i%7 == 0 {
			return errors.New("seven")
		}
		return nil
	}, func(done, total int) {
		assert.Equal(t, len(ran), total)
		calls = append(calls, done)
	})
	for i := range ran {
		assert.EqualValues(t, 1, ran[i].Load(), "work %d", i)
		assert.Equal(t, i%7 == 0, errs[i] != nil, "error %d", i)
	}
	assert.LessOrEqual(t, most.Load(), int32(3))
	assert.Len(t, calls, len(ran))
	assert.Equal(t, len(ran), calls[len(calls)-1])
}

func TestDoWithNothingToDo(t *testing.T) {
	assert.Empty(t, Do(0, 4, func(int) error { panic("no work") }, nil))
}
