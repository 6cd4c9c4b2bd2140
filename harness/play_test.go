package harness

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/clockwise-kv/clockwise/nemesis"
)

// steps is a fault schedule of fixed steps.
type steps []nemesis.Step

func (s *steps) Next() (nemesis.Step, bool) {
	if len(*s) == 0 {
		return nemesis.Step{}, false
	}
	st := (*s)[0]
	*s = (*s)[1:]
	return st, true
}

func (s *steps) Stop() []nemesis.Fault { return nil }

func step(at time.Duration, f string) nemesis.Step {
	return nemesis.Step{At: int64(at), Fault: nemesis.Fault{F: f}}
}

// Play merges its schedules in time order and applies each fault once.
func TestPlayMergesSchedulesInTimeOrder(t *testing.T) {
	a := &steps{step(0, "a1"), step(4*time.Millisecond, "a2")}
	b := &steps{step(2*time.Millisecond, "b1"), step(6*time.Millisecond, "b2")}
	var got []string
	Play(context.Background(), time.Now(), []nemesis.Schedule{a, b}, func(f nemesis.Fault) { got = append(got, f.F) })
	assert.Equal(t, []string{"a1", "b1", "a2", "b2"}, got)
}

// Play stops when stop ends, applying nothing more.
func TestPlayStops(t *testing.T) {
	stop, cancel := context.WithCancel(context.Background())
	a := &steps{step(0, "now"), step(time.Hour, "never")}
	var got []string
	Play(stop, time.Now(), []nemesis.Schedule{a}, func(f nemesis.Fault) { got = append(got, f.F); cancel() })
	assert.Equal(t, []string{"now"}, got)
	assert.False(t, Sleep(stop, time.Hour))
}
