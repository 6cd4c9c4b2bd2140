package checker_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/historytest"
)

const (
	ms   = int64(time.Millisecond)
	hour = int64(time.Hour)
)

// tombHist is a history of operations that each run from start to
// start+2ms; a write is stamped in the middle by a clock off ns ahead, as
// a physical clock would stamp it.
type tombHist struct{ historytest.Builder }

func (b *tombHist) fault(at int64, key, node, write string) {
	b.Fault(at, "tombstone", map[string]string{"key": key, "node": node, "offset": "+1h0m0s", "write": write})
}

// tombstone records a tombstone fault as the harness does: the fault, the
// nemesis's read at `at` returning vs, then its delete, stamped by a clock
// an hour ahead, with what it read as context.
func (b *tombHist) tombstone(at int64, key, node, id string, vs ...histories.Version) {
	b.fault(at, key, node, id)
	b.read(histories.Nemesis, key, node, at, vs...)
	ctx := []string{}
	for _, v := range vs {
		ctx = append(ctx, v.Write)
	}
	b.write(histories.Nemesis, key, node, id, "", ctx, at+2*ms, hour, 0)
}

func (b *tombHist) read(proc, key, node string, start int64, vs ...histories.Version) {
	off := int64(0)
	b.Op(historytest.Op{Process: proc, F: histories.Read, Key: key, Node: node, Start: start, End: start + 2*ms,
		Read: append([]histories.Version{}, vs...), Offset: &off})
}

// write records a write (value set) or a delete (value empty) stamped by
// ts, or by a physical clock off ahead when ts is 0.
func (b *tombHist) write(proc, key, node, id, value string, ctx []string, start, off, ts int64) {
	f := histories.Write
	if value == "" {
		f = histories.Delete
	}
	if ts == 0 {
		ts = clock.Epoch + start + ms + off
	}
	b.Op(historytest.Op{Process: proc, F: f, Key: key, Node: node, ID: id, Value: value, Context: ctx,
		Start: start, End: start + 2*ms, TS: ts, Offset: &off})
}

func (b *tombHist) final(key string, at int64, vs ...histories.Version) {
	for _, n := range []string{"n1", "n2", "n3"} {
		b.read(histories.Final, key, n, at, vs...)
		at += 2 * ms
	}
}

func live(id, v string) histories.Version { return histories.Version{Write: id, Value: v} }
func dead(id string) histories.Version    { return histories.Version{Write: id, Deleted: true} }

func lostByWrite(r *checker.Result) map[string]checker.Lost {
	out := map[string]checker.Lost{}
	for _, l := range r.Lost {
		out[l.Write.Write] = l
	}
	return out
}

func check(t *testing.T, h []histories.Event) *checker.Result {
	t.Helper()
	r, err := checker.Check(h, checker.Options{})
	require.NoError(t, err)
	return r
}

// Under lww a delete stamped an hour ahead outranks every later write: each
// is acknowledged and reported suppressed-by-tombstone, with the tombstone's
// timestamp and the moment the key stays dead until; the write the delete
// had read is not blamed on it.
func TestCheckTombstoneSuppressesLaterWrites(t *testing.T) {
	var b tombHist
	b.write("c1", "x", "n2", "w1", "a", nil, 0, 0, 0)
	b.tombstone(10*ms, "x", "n1", "d2", live("w1", "a"))
	b.write("c1", "x", "n2", "w3", "c", nil, 20*ms, 0, 0)
	b.read("c2", "x", "n3", 30*ms, dead("d2"))
	b.write("c2", "x", "n3", "w4", "d", []string{"d2"}, 32*ms, 0, 0)
	b.final("x", 100*ms, dead("d2"))

	r := check(t, b.History())
	assert.False(t, r.Valid)
	assert.Equal(t, 1, r.Summary.Faults, "the tombstone event is the one fault")
	assert.Equal(t, 4, r.Summary.Writes, "the nemesis's delete is a write")
	assert.Equal(t, 6, r.Summary.Ops)
	lost := lostByWrite(r)
	require.Len(t, lost, 2, "only the writes after the delete are lost: %v", r.Lost)
	wantUntil := hour + 13*ms - ms // the stamp at 13ms, less the 1ms the history cannot rule out
	for id, rel := range map[string]string{"w3": "was written after the delete d2", "w4": "follows the delete d2"} {
		l, ok := lost[id]
		require.True(t, ok, "%s is reported lost", id)
		assert.Equal(t, checker.SuppressedByTombstone, l.Kind, id)
		require.NotNil(t, l.Winner)
		assert.Equal(t, "d2", l.Winner.Write)
		assert.True(t, l.Winner.Deleted)
		assert.Equal(t, clock.Epoch+hour+13*ms, l.Winner.TS, "%s names the tombstone's timestamp", id)
		assert.Equal(t, wantUntil, l.Until, "%s: the key stays dead until the tombstone's stamp in true time", id)
		assert.Contains(t, l.Why, rel)
		assert.Contains(t, l.Why, "stays dead until at least 1h0m0.012s")
	}
	assert.Equal(t, map[checker.LostKind]int{checker.SuppressedByTombstone: 2}, r.Summary.LostByKind)
	assert.Equal(t, histories.Nemesis, lost["w3"].Winner.Process)
}

// A write acknowledged before the delete began is blamed on the tombstone
// only when nothing the delete's client had read explains its loss.
func TestCheckTombstoneNotBlamedForEarlierLoss(t *testing.T) {
	for _, tc := range []struct {
		name   string
		build  func(b *tombHist)
		write  string
		kind   checker.LostKind
		winner string
		why    string
	}{
		{
			name: "overwritten by an older write before the delete",
			build: func(b *tombHist) {
				b.write("c1", "x", "n1", "w1", "a", nil, 0, 5000*ms, 0)
				b.read("c2", "x", "n2", 10*ms, live("w1", "a"))
				b.write("c2", "x", "n2", "w2", "b", []string{"w1"}, 12*ms, 0, 0)
				b.tombstone(20*ms, "x", "n3", "d3", live("w1", "a"))
				b.final("x", 100*ms, dead("d3"))
			},
			write: "w2", kind: checker.OverwrittenByOlder, winner: "w1", why: "Later the delete d3 removed w1",
		},
		{
			name: "dropped for a concurrent write before the delete",
			build: func(b *tombHist) {
				b.write("c1", "x", "n1", "w1", "a", nil, 0, 5000*ms, 0)
				b.write("c2", "x", "n2", "w2", "b", nil, 1*ms, 0, 0)
				b.tombstone(20*ms, "x", "n3", "d3", live("w1", "a"))
				b.final("x", 100*ms, dead("d3"))
			},
			write: "w2", kind: checker.ConcurrentDropped, winner: "w1", why: "Later the delete d3 removed w1",
		},
		{
			name: "never seen by the delete",
			build: func(b *tombHist) {
				b.write("c1", "x", "n2", "w1", "a", nil, 0, 0, 0)
				b.tombstone(20*ms, "x", "n1", "d2")
				b.final("x", 100*ms, dead("d2"))
			},
			write: "w1", kind: checker.SuppressedByTombstone, winner: "d2", why: "acknowledged before the delete d2 began",
		},
		{
			name: "suppressed by an earlier tombstone the later one read",
			build: func(b *tombHist) {
				b.tombstone(0, "x", "n1", "d1")
				b.read("c1", "x", "n2", 10*ms, dead("d1"))
				b.write("c1", "x", "n2", "w2", "b", []string{"d1"}, 12*ms, 0, 0)
				b.tombstone(20*ms, "x", "n3", "d3", dead("d1"))
				b.final("x", 100*ms, dead("d3"))
			},
			write: "w2", kind: checker.SuppressedByTombstone, winner: "d1", why: "Later the delete d3 removed d1",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b tombHist
			tc.build(&b)
			r := check(t, b.History())
			lost := lostByWrite(r)
			require.Len(t, lost, 1, "%v", r.Lost)
			l, ok := lost[tc.write]
			require.True(t, ok, "%s is lost: %v", tc.write, r.Lost)
			assert.Equal(t, tc.kind, l.Kind)
			require.NotNil(t, l.Winner)
			assert.Equal(t, tc.winner, l.Winner.Write)
			assert.Contains(t, l.Why, tc.why)
		})
	}
}

// A delete's own acknowledgement: a delete that a later write read and
// replaced is not lost; a delete the store dropped for a concurrent write is.
func TestCheckDeleteAcknowledgement(t *testing.T) {
	t.Run("overwritten causally", func(t *testing.T) {
		var b tombHist
		b.write("c1", "x", "n1", "w1", "a", nil, 0, 0, 0)
		b.read("c2", "x", "n2", 10*ms, live("w1", "a"))
		b.write("c2", "x", "n2", "d2", "", []string{"w1"}, 12*ms, 0, 0)
		b.read("c1", "x", "n3", 20*ms, dead("d2"))
		b.write("c1", "x", "n3", "w3", "c", []string{"d2"}, 22*ms, 0, 0)
		b.final("x", 100*ms, live("w3", "c"))
		r := check(t, b.History())
		assert.True(t, r.Valid, "%v", r.Failures)
		assert.Empty(t, r.Lost)
		assert.Equal(t, 3, r.Summary.Acknowledged)
		require.Len(t, r.Keys, 1)
		assert.True(t, r.Keys[0].Preserved)
	})
	t.Run("dropped for a concurrent write", func(t *testing.T) {
		var b tombHist
		b.write("c1", "x", "n1", "w1", "a", nil, 0, 0, 0)
		b.read("c1", "x", "n1", 5*ms, live("w1", "a"))
		b.read("c2", "x", "n2", 10*ms, live("w1", "a"))
		b.write("c2", "x", "n2", "d2", "", []string{"w1"}, 12*ms, 0, 0)
		b.write("c1", "x", "n1", "w3", "c", []string{"w1"}, 13*ms, 5000*ms, 0)
		b.final("x", 100*ms, live("w3", "c"))
		r := check(t, b.History())
		lost := lostByWrite(r)
		require.Len(t, lost, 1, "%v", r.Lost)
		l := lost["d2"]
		require.NotNil(t, l.Write)
		assert.True(t, l.Write.Deleted)
		assert.Equal(t, checker.ConcurrentDropped, l.Kind)
		assert.Equal(t, "w3", l.Winner.Write)
	})
}

// The moment a key stays dead until needs physical stamps, and a tombstone
// that is not ahead of the suppressed write's ack.
func TestCheckUntilNeedsFarFutureStamps(t *testing.T) {
	t.Run("logical stamps", func(t *testing.T) {
		var b tombHist
		b.write("c1", "x", "n2", "w1", "a", nil, 0, 0, 1)
		b.fault(10*ms, "x", "n1", "d2")
		b.read(histories.Nemesis, "x", "n1", 10*ms, live("w1", "a"))
		b.write(histories.Nemesis, "x", "n1", "d2", "", []string{"w1"}, 12*ms, hour, 2)
		b.write("c2", "x", "n3", "w3", "c", nil, 20*ms, 0, 1)
		b.final("x", 100*ms, dead("d2"))
		l := lostByWrite(check(t, b.History()))["w3"]
		assert.Equal(t, checker.SuppressedByTombstone, l.Kind)
		assert.Zero(t, l.Until)
		assert.Contains(t, l.Why, "n3 loses to it until its clock passes that timestamp")
	})
	t.Run("a write through a clock behind", func(t *testing.T) {
		var b tombHist
		b.write("c1", "x", "n2", "w1", "a", nil, 0, 0, 0)
		b.read("c2", "x", "n1", 10*ms, live("w1", "a"))
		b.write("c2", "x", "n1", "d2", "", []string{"w1"}, 12*ms, 0, 0)
		b.write("c1", "x", "n3", "w3", "c", nil, 20*ms, -5000*ms, 0)
		b.final("x", 100*ms, dead("d2"))
		l := lostByWrite(check(t, b.History()))["w3"]
		assert.Equal(t, checker.SuppressedByTombstone, l.Kind)
		assert.Zero(t, l.Until, "the tombstone is not ahead of true time")
	})
}

func TestCheckNemesisOperations(t *testing.T) {
	var b tombHist
	b.tombstone(0, "x", "n1", "d1")
	b.final("x", 100*ms, dead("d1"))
	r := check(t, b.History())
	require.Len(t, r.Faults, 1)
	assert.Equal(t, histories.Func("tombstone"), r.Faults[0].F)
	assert.Equal(t, "d1", r.Faults[0].Params["write"])
	assert.Empty(t, r.Failures)
	assert.Equal(t, checker.Unknown, r.Verdict, "no client operation: nothing to judge")
	assert.Equal(t, []string{"the history has no client operation: there is nothing to judge"}, r.Unknown)
	assert.Empty(t, r.Phantoms, "the tombstone the final reads return was written by the nemesis")
	a, err := checker.Analyze(b.History())
	require.NoError(t, err)
	d := a.Graph.Write("d1")
	require.NotNil(t, d)
	assert.True(t, d.Deleted)
	assert.Equal(t, histories.Nemesis, d.Process)
	assert.Equal(t, histories.OK, d.Type)
}
