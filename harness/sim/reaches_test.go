package sim

import (
	"fmt"
	"testing"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reaches finds the first true time a clock reads a mark, as a scan one
// nanosecond at a time does, through offsets, drift and strobe; where it
// gives up (a strobe too fast to follow) it answers early, never late.
func TestReachesIsTheFirstTimeTheClockReadsTheMark(t *testing.T) {
	clocks := []clock.Clock{
		{},
		{Offset: 250},
		{Offset: -400},
		{Drift: 0.5, Since: 10},
		{Drift: -0.5, Since: 10},
		{Offset: 30, Drift: 0.001},
		{Strobe: 300, Period: 100, Since: 5},
		{Strobe: -300, Period: 70, Since: 0},
		{Offset: -50, Strobe: 120, Period: 40, Drift: 0.25, Since: 20},
		{Strobe: 1000, Period: 1, Since: 0}, // flips every nanosecond
	}
	for _, clk := range clocks {
		for _, now := range []int64{20, 333} {
			for _, ahead := range []int64{0, 1, 7, 99, 250, 1000, 2500} {
				mark := clk.Read(now) + ahead
				first := now
				for clk.Read(first) < mark {
					first++
				}
				got := reaches(clk, now, mark)
				name := fmt.Sprintf("%+v now %d mark +%d", clk, now, ahead)
				require.GreaterOrEqual(t, got, now, name)
				require.LessOrEqual(t, got, first, "%s: never late", name)
				if clk.Period != 1 {
					assert.Equal(t, first, got, name)
				}
			}
		}
	}
}

// A clock that does not move forward does not reach a mark ahead of it
// within any run: the answer is ages away (where float rounding finally
// moves it), not a loop.
func TestReachesAStoppedClock(t *testing.T) {
	clk := clock.Clock{Drift: -1, Since: 0}
	assert.Greater(t, reaches(clk, 100, clk.Read(100)+5), int64(1)<<50)
}
