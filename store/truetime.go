package store

import "time"

// DefaultEpsilon is truetime's clock uncertainty bound ε unless told
// otherwise.
const DefaultEpsilon = 7 * time.Millisecond

func init() {
	Register("truetime", func(node string, opts Options) Strategy {
		return &TrueTime{node: node, eps: int64(opts.Epsilon)}
	})
}

// Interval is a TrueTime reading: true time lies within [Earliest, Latest].
type Interval struct {
	Earliest, Latest int64
}

// TrueTime mocks Spanner's commit wait on top of a timestamped register.
// TT.now() is the interval [t−ε, t+ε] around the node's own clock reading
// t; a write's commit timestamp is TT.now().latest, and the coordinator
// waits until TT.now().earliest has passed it before the write is applied,
// replicated and acknowledged (the Node holds it: see Stamp.AckAt). The
// highest (timestamp, node, write) survives.
//
// ε is only a promise. While every node's clock stays within ε of true
// time, a write that begins after another completed is stamped higher
// (external consistency), so a causally newer write is never overwritten by
// an older one; once a clock is off by more than ε, the promise and that
// guarantee are gone. Concurrent writes still resolve to one winner. The
// price is a commit wait of about 2ε on every write.
type TrueTime struct {
	node string
	eps  int64 // ε in ns
}

func (*TrueTime) Name() string { return "truetime" }

// Now is TT.now() at local clock reading clock.
func (s *TrueTime) Now(clock int64) Interval { return Interval{clock - s.eps, clock + s.eps} }

func (s *TrueTime) Put(obj Object, w Write, now int64) (Object, Stamp) {
	ts := s.Now(now).Latest
	sib := Sibling{Version: w.Version, TS: ts, Node: s.node}
	// Commit wait: TT.now().earliest > ts once the clock reads ts+ε+1.
	return Object{Siblings: []Sibling{highest(obj.Siblings, sib)}}, Stamp{Meta: Meta{TS: ts}, AckAt: ts + s.eps + 1}
}

func (*TrueTime) Merge(local, remote Object) Object { return mergeHighest(local, remote) }

func (*TrueTime) Read(obj Object) ([]Version, Context) { return readHighest(obj) }
