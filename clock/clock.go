// Package clock is clockwise's model of a node's physical clock and the way
// clockwise writes times down.
//
// Every node has its own Clock: true time + offset + drift·t, optionally
// strobing. A reading is Epoch + true time + offset, so that readings stay
// positive under negative skew; the nemesis changes clocks, the harness
// reads them, and the report reads back the clocks the history recorded
// (Parse reads what Clock.String writes).
//
// Times are int64 nanoseconds: true time since the run began, clock
// offsets from true time, and timestamps, which are clock readings for the
// physical strategies and small counters for the logical ones (Physical
// tells them apart). Signed, Offset, Seconds, Stamp and Delta write them
// for people. The package imports
// nothing of clockwise.
package clock

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Epoch is every clock's reading at true time 0, so that timestamps stay
// positive under negative skew: 1000 s in nanoseconds.
const Epoch int64 = 1_000_000_000_000

// Clock is a node's physical clock: true time + offset + drift·t, optionally
// strobing (jumping between offset and offset+Strobe every Period). Times are
// nanoseconds; a Clock is a value the nemesis hands to the cluster.
type Clock struct {
	Offset int64   // ns ahead of true time (negative: behind)
	Drift  float64 // extra seconds gained per second since Since
	Strobe int64   // strobe amplitude in ns; 0: no strobe
	Period int64   // strobe half-period in ns
	Since  int64   // true time the drift and strobe started
}

// Read returns the clock's reading at true time t.
func (c Clock) Read(t int64) int64 { return Epoch + t + c.OffsetAt(t) }

// OffsetAt returns how far the clock is from true time at true time t.
func (c Clock) OffsetAt(t int64) int64 {
	off := c.Offset
	if c.Drift != 0 && t > c.Since {
		off += int64(c.Drift * float64(t-c.Since))
	}
	if c.Strobe != 0 && c.Period > 0 && t >= c.Since && ((t-c.Since)/c.Period)%2 == 0 {
		off += c.Strobe
	}
	return off
}

// True reports whether the clock keeps true time: no offset, drift or
// strobe, whenever they would have started.
func (c Clock) True() bool { return c == Clock{Since: c.Since} }

// String describes the clock as the history records it: "+5s",
// "+0s strobe +200ms/10ms", "+1s drift 0.001".
func (c Clock) String() string {
	s := Signed(c.Offset)
	if c.Strobe != 0 {
		s += fmt.Sprintf(" strobe %s/%s", Signed(c.Strobe), time.Duration(c.Period))
	}
	if c.Drift != 0 {
		s += fmt.Sprintf(" drift %g", c.Drift)
	}
	return s
}

// Parse reads a clock as String writes it, as nemesis events record it:
// "+5s", "+0s strobe +200ms/10ms", "+1s drift 0.001". Since is left 0: the
// event's time says when the clock was set.
func Parse(s string) (Clock, error) {
	var c Clock
	f := strings.Fields(s)
	if len(f) == 0 || len(f)%2 == 0 {
		return c, fmt.Errorf("clock: %q: want an offset such as +5s, then strobe A/P or drift D", s)
	}
	off, err := parseSigned(f[0])
	if err != nil {
		return c, fmt.Errorf("clock: %q: %w", s, err)
	}
	c.Offset = off
	for i := 1; i < len(f); i += 2 {
		switch f[i] {
		case "strobe":
			amp, per, ok := strings.Cut(f[i+1], "/")
			a, err := parseSigned(amp)
			p, perr := time.ParseDuration(per)
			if !ok || err != nil || perr != nil {
				return c, fmt.Errorf("clock: %q: strobe %q: want amplitude/period, e.g. +200ms/10ms", s, f[i+1])
			}
			c.Strobe, c.Period = a, int64(p)
		case "drift":
			d, err := strconv.ParseFloat(f[i+1], 64)
			if err != nil {
				return c, fmt.Errorf("clock: %q: drift %q: %w", s, f[i+1], err)
			}
			c.Drift = d
		default:
			return c, fmt.Errorf("clock: %q: unknown %q (strobe, drift)", s, f[i])
		}
	}
	return c, nil
}

// parseSigned parses a duration that carries its sign, as Signed writes it.
func parseSigned(s string) (int64, error) {
	if s == "" || (s[0] != '+' && s[0] != '-') {
		return 0, fmt.Errorf("%q: want a signed duration such as +5s or -200ms", s)
	}
	d, err := time.ParseDuration(strings.TrimPrefix(s, "+"))
	return int64(d), err
}

// ParseOffsets parses a list of node offsets such as "n1=+5s,n2=-200ms".
// It reads the offsets, not the node names: which nodes exist is the
// cluster's business.
func ParseOffsets(s string) (map[string]int64, error) {
	out := map[string]int64{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		node, d, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || node == "" {
			return nil, fmt.Errorf("clock: %q: want node=offset, e.g. n1=+5s", part)
		}
		off, err := time.ParseDuration(strings.TrimPrefix(d, "+"))
		if err != nil {
			return nil, fmt.Errorf("clock: %q: %w", part, err)
		}
		if _, dup := out[node]; dup {
			return nil, fmt.Errorf("clock: %s is given two offsets; name each node once", node)
		}
		out[node] = int64(off)
	}
	return out, nil
}

// Signed writes a signed duration, such as a clock offset: +5s, -250ms,
// +0s.
func Signed(ns int64) string {
	d := time.Duration(ns)
	if d >= 0 {
		return "+" + d.String()
	}
	return d.String()
}

// Offset writes a clock offset the history recorded, or "unknown" when it
// recorded none.
func Offset(off *int64) string {
	if off == nil {
		return "unknown"
	}
	return Signed(*off)
}

// Seconds writes a true time, ns since the run began, to the microsecond:
// "1.234567s". A negative time, which marks an operation that never
// completed, is "never".
func Seconds(ns int64) string {
	if ns < 0 {
		return "never"
	}
	return time.Duration(ns).Round(time.Microsecond).String()
}

// LogicalBound separates logical timestamps from physical ones: a logical
// strategy's counter stays below it (it would take 2³² writes to reach it),
// and a physical reading, Epoch + true time + offset, is within it of zero
// only when a clock is set back by the Epoch plus the time the run has
// lasted, to within 4.3 s.
const LogicalBound int64 = 1 << 32

// Physical reports whether the timestamp ts is a physical clock reading (lww,
// truetime) rather than a logical counter (lamport). A reading below Epoch,
// from a clock skewed backwards, is still physical.
func Physical(ts int64) bool { return ts >= LogicalBound || ts <= -LogicalBound }

// Delta writes how much higher timestamp a is than b: as a duration when
// both are physical clock readings (Physical), rounded to round when round
// is positive; otherwise, for logical clocks, as a number. Every difference
// of two timestamps clockwise prints goes through it.
func Delta(a, b int64, round time.Duration) string {
	d := a - b
	if !Physical(a) || !Physical(b) {
		return strconv.FormatInt(d, 10)
	}
	if round > 0 {
		return time.Duration(d).Round(round).String()
	}
	return time.Duration(d).String()
}

// Stamp writes a timestamp for people: a simulated physical reading as the
// time its clock showed since the run began (the reading less Epoch), to the
// microsecond, e.g. "1.557072s" or "-506ms" for a clock behind true time at
// the start; a real machine's reading (Wall) as its UTC time of day, e.g.
// "23:16:50.174231Z"; a logical counter as "#447". The raw value stays in
// the JSON files.
func Stamp(ts int64) string { return StampTo(ts, time.Microsecond) }

// StampTo is Stamp with a physical reading rounded to round: a microsecond
// or a millisecond.
func StampTo(ts int64, round time.Duration) string {
	switch {
	case !Physical(ts):
		return "#" + strconv.FormatInt(ts, 10)
	case Wall(ts):
		layout := "15:04:05.000000Z"
		if round >= time.Millisecond {
			layout = "15:04:05.000Z"
		}
		return time.Unix(0, ts).UTC().Format(layout)
	}
	return time.Duration(ts - Epoch).Round(round).String()
}

// WallBound is the least reading Wall takes for a real machine's clock:
// Unix time in nanoseconds from March 1973 on. A simulated reading, Epoch
// plus true time plus offset, reaches it only after three years of run.
const WallBound int64 = 1e17

// Wall reports whether ts is a real machine's clock reading (nanoseconds
// since the Unix epoch), as nodes of a real cluster stamp writes, rather
// than the simulator's reading from Epoch.
func Wall(ts int64) bool { return ts >= WallBound }
