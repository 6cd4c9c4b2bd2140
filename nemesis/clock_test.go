package nemesis

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestParseClock(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Clock
	}{
		{"+5s", Clock{Offset: int64(5 * time.Second)}},
		{"-250ms", Clock{Offset: -int64(250 * time.Millisecond)}},
		{"+0s strobe +200ms/10ms", Clock{Strobe: int64(200 * time.Millisecond), Period: int64(10 * time.Millisecond)}},
		{"+1s drift 0.001", Clock{Offset: int64(time.Second), Drift: 0.001}},
	} {
		got, err := ParseClock(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
	for _, in := range []string{"5s", "n1 | n2 n3", "+1s strobe", "+1s wobble 3", "+1s strobe +2s", "+1s drift x", ""} {
		_, err := ParseClock(in)
		assert.Error(t, err, in)
	}
}

// ParseClock reads back whatever String writes.
func TestParseClockReadsStringProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := Clock{Offset: rapid.Int64Range(-int64(time.Hour), int64(time.Hour)).Draw(t, "offset")}
		if rapid.Bool().Draw(t, "strobe") {
			c.Strobe = rapid.Int64Range(-int64(time.Second), int64(time.Second)).Filter(func(n int64) bool { return n != 0 }).Draw(t, "amplitude")
			c.Period = rapid.Int64Range(1, int64(time.Second)).Draw(t, "period")
		}
		if rapid.Bool().Draw(t, "drifts") {
			c.Drift = rapid.Float64Range(-1, 1).Filter(func(f float64) bool { return f != 0 }).Draw(t, "drift")
		}
		got, err := ParseClock(c.String())
		require.NoError(t, err, c.String())
		require.Equal(t, c, got, c.String())
	})
}
