package clock

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Clock
	}{
		{"+5s", Clock{Offset: int64(5 * time.Second)}},
		{"-250ms", Clock{Offset: -int64(250 * time.Millisecond)}},
		{"+0s strobe +200ms/10ms", Clock{Strobe: int64(200 * time.Millisecond), Period: int64(10 * time.Millisecond)}},
		{"+1s drift 0.001", Clock{Offset: int64(time.Second), Drift: 0.001}},
	} {
		got, err := Parse(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
	for _, in := range []string{"5s", "n1 | n2 n3", "+1s strobe", "+1s wobble 3", "+1s strobe +2s", "+1s drift x", ""} {
		_, err := Parse(in)
		assert.Error(t, err, in)
	}
}

// Parse reads back whatever String writes.
func TestParseReadsStringProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := Clock{Offset: rapid.Int64Range(-int64(time.Hour), int64(time.Hour)).Draw(t, "offset")}
		if rapid.Bool().Draw(t, "strobe") {
			c.Strobe = rapid.Int64Range(-int64(time.Second), int64(time.Second)).Filter(func(n int64) bool { return n != 0 }).Draw(t, "amplitude")
			c.Period = rapid.Int64Range(1, int64(time.Second)).Draw(t, "period")
		}
		if rapid.Bool().Draw(t, "drifts") {
			c.Drift = rapid.Float64Range(-1, 1).Filter(func(f float64) bool { return f != 0 }).Draw(t, "drift")
		}
		got, err := Parse(c.String())
		require.NoError(t, err, c.String())
		require.Equal(t, c, got, c.String())
	})
}
func TestClock(t *testing.T) {
	s := int64(time.Second)
	assert.Equal(t, Epoch+10, Clock{}.Read(10))
	assert.Equal(t, Epoch+10+5*s, Clock{Offset: 5 * s}.Read(10))
	assert.Equal(t, Epoch+2*s-s, Clock{Offset: -s}.Read(2*s))

	drift := Clock{Drift: 0.001, Since: 10 * s}
	assert.Equal(t, int64(0), drift.OffsetAt(5*s), "no drift before it starts")
	assert.Equal(t, int64(time.Millisecond), drift.OffsetAt(11*s))

	ms := int64(time.Millisecond)
	strobe := Clock{Strobe: 200 * ms, Period: 10 * ms, Since: 100 * ms}
	assert.Equal(t, 200*ms, strobe.OffsetAt(100*ms))
	assert.Equal(t, int64(0), strobe.OffsetAt(115*ms))
	assert.Equal(t, 200*ms, strobe.OffsetAt(125*ms))
	assert.Equal(t, "+0s strobe +200ms/10ms", strobe.String())
	assert.Equal(t, "-1.5s", Clock{Offset: -1500 * ms}.String())
}

func TestParseOffsets(t *testing.T) {
	got, err := ParseOffsets("n1=+5s, n2=-200ms,n3=1h")
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"n1": int64(5 * time.Second), "n2": -int64(200 * time.Millisecond), "n3": int64(time.Hour)}, got)
	_, err = ParseOffsets("n1=+5s,n1=-1s")
	require.ErrorContains(t, err, "n1 is given two offsets")
	empty, err := ParseOffsets("")
	require.NoError(t, err)
	assert.Empty(t, empty)
	for _, bad := range []string{"n1", "=5s", "n1=soon"} {
		_, err := ParseOffsets(bad)
		assert.Error(t, err, bad)
	}
}

func TestTrue(t *testing.T) {
	assert.True(t, Clock{}.True())
	assert.True(t, Clock{Since: 7}.True(), "when a true clock was set does not matter")
	assert.False(t, Clock{Offset: 1}.True())
	assert.False(t, Clock{Strobe: 1, Period: 1}.True())
	assert.False(t, Clock{Drift: 0.5}.True())
}

func TestSignedOffsetSeconds(t *testing.T) {
	ms := int64(time.Millisecond)
	assert.Equal(t, "+5s", Signed(5000*ms))
	assert.Equal(t, "-250ms", Signed(-250*ms))
	assert.Equal(t, "+0s", Signed(0))
	assert.Equal(t, "+1h0m0s", Signed(int64(time.Hour)))

	off := -1500 * ms
	assert.Equal(t, "-1.5s", Offset(&off))
	assert.Equal(t, "unknown", Offset(nil))

	assert.Equal(t, "1.234568s", Seconds(1_234_567_890), "rounded to the microsecond")
	assert.Equal(t, "0s", Seconds(0))
	assert.Equal(t, "never", Seconds(-1))
}

func TestDelta(t *testing.T) {
	s := int64(time.Second)
	for _, c := range []struct {
		a, b  int64
		round time.Duration
		want  string
	}{
		{Epoch + 5*s + 1234, Epoch, 0, "5.000001234s"},
		{Epoch + 5*s + 1234, Epoch, time.Microsecond, "5.000001s"},
		{Epoch, Epoch + 4946*int64(time.Millisecond), time.Microsecond, "-4.946s"},
		{Epoch, Epoch, 0, "0s"},
		{7, 3, 0, "4"},
		{3, 7, time.Microsecond, "-4"},
		{Epoch + s, 5, 0, "1000999999995"}, // a physical and a logical stamp: a number
		{Epoch - 2*s, Epoch - 7*s, 0, "5s"},
	} {
		assert.Equal(t, c.want, Delta(c.a, c.b, c.round), "Delta(%d, %d, %v)", c.a, c.b, c.round)
	}
}

// A clock skewed back reads below Epoch; the difference of two physical
// readings is still a duration, never a number of nanoseconds.
func TestDeltaOfAClockSkewedBackIsADuration(t *testing.T) {
	behind := Clock{Offset: -5 * int64(time.Second)}
	early := behind.Read(int64(time.Second)) // 1s into the run, 5s slow
	require.Less(t, early, Epoch)
	assert.Equal(t, "5s", Delta(Clock{}.Read(int64(time.Second)), early, time.Microsecond))
	assert.Equal(t, "-5s", Delta(early, Clock{}.Read(int64(time.Second)), 0))
	later := behind.Read(int64(10 * time.Second))
	assert.Equal(t, "5s", Delta(Clock{}.Read(int64(10*time.Second)), later, 0))
	// An hour behind: the reading is negative, and still physical.
	hour := Clock{Offset: -int64(time.Hour)}.Read(int64(time.Second))
	require.Negative(t, hour)
	assert.Equal(t, "1h0m0s", Delta(Clock{}.Read(int64(time.Second)), hour, time.Microsecond))
	// The report's two examples: 1657846303 and 4954935039 were nanoseconds.
	assert.Equal(t, "1.657846s", Delta(Epoch-300*int64(time.Millisecond)+1657846303, Epoch-300*int64(time.Millisecond), time.Microsecond))
	assert.Equal(t, "4.954935s", Delta(Epoch-2*int64(time.Second), Epoch-2*int64(time.Second)-4954935039, time.Microsecond))
}

func TestStampAndPhysical(t *testing.T) {
	assert.False(t, Physical(0))
	assert.False(t, Physical(447))
	assert.True(t, Physical(Epoch))
	assert.True(t, Physical(Epoch-int64(10*time.Second)))
	assert.True(t, Physical(-Epoch))
	assert.Equal(t, "#447", Stamp(447))
	assert.Equal(t, "1.557072s", Stamp(Epoch+1557072176))
	assert.Equal(t, "-100.774ms", Stamp(Epoch-100774127))
	assert.Equal(t, "0s", Stamp(Epoch))
}

// A real machine's clock reading reads as its UTC time of day, a simulated
// one as the time since the run began.
func TestStampWall(t *testing.T) {
	assert.Equal(t, "23:16:50.174231Z", Stamp(time.Date(2026, 11, 29, 23, 16, 50, 174231000, time.UTC).UnixNano()))
	assert.Equal(t, "1.5s", Stamp(Epoch+1_500_000_000))
	assert.False(t, Wall(Epoch+int64(365*24*time.Hour)))
	assert.True(t, Wall(time.Date(1974, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()))
}

// StampTo rounds a physical reading, simulated or real, to what it is asked.
func TestStampTo(t *testing.T) {
	wall := time.Date(2026, 11, 29, 23, 16, 50, 174231000, time.UTC).UnixNano()
	assert.Equal(t, "23:16:50.174Z", StampTo(wall, time.Millisecond))
	assert.Equal(t, "1.557s", StampTo(Epoch+1_557_072_176, time.Millisecond))
	assert.Equal(t, "#447", StampTo(447, time.Millisecond))
}
