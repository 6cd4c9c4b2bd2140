// Package results is what a check finds, as results.json carries it: the
// Result, its Summary, each finding (Lost, Stale, Phantom, Corrupted,
// FutureRead, Duplicated, Divergence, External, Linear) and the Ref that
// describes a write in them, and the Verdict, in the words results.json
// spells it (verdict.go). Package checker finds them and the report reads
// them; results holds data and the few rules that sum it up (Summary.Add,
// Result.Decide), so a package that only reads results, or a verdict,
// need not import the checker.
package results

import (
	"slices"

	"github.com/clockwise-kv/clockwise/checker/stats"
	"github.com/clockwise-kv/clockwise/histories"
)

// LostKind says what replaced a lost write.
type LostKind string

// Kinds of lost writes.
const (
	OverwrittenByOlder    LostKind = "overwritten-by-older"
	ConcurrentDropped     LostKind = "concurrent-dropped"
	SuppressedByTombstone LostKind = "suppressed-by-tombstone"
	Missing               LostKind = "missing"
	// Absent is the kind of a write of the set workload that no final
	// read of its set holds.
	Absent LostKind = "absent"
)

// LostKinds lists the kinds of lost writes in report order.
var LostKinds = []LostKind{OverwrittenByOlder, ConcurrentDropped, SuppressedByTombstone, Missing}

// Ref describes a write for a report: who wrote it where and when, what the
// store stamped on it and how far the serving node's clock was off.
type Ref struct {
	Write   string            `json:"write"`
	Value   string            `json:"value,omitempty"`
	Deleted bool              `json:"deleted,omitempty"`
	Process string            `json:"process"`
	Node    string            `json:"node"`
	Type    histories.Type    `json:"type"`             // ok, fail, info
	Invoke  int               `json:"invoke"`           // event index
	Ack     int               `json:"ack"`              // completion event index, -1 if none
	Start   int64             `json:"start"`            // ns
	End     int64             `json:"end"`              // ns, -1 if it never completed
	Context []string          `json:"context"`          // what its client had read
	TS      int64             `json:"ts,omitempty"`     // the strategy's timestamp
	VV      map[string]uint64 `json:"vv,omitempty"`     // the strategy's version vector
	Offset  *int64            `json:"offset,omitempty"` // the node's clock offset, ns
}

// Lost is an acknowledged write missing from the final state.
type Lost struct {
	Key    string   `json:"key"`
	Kind   LostKind `json:"kind"`
	Write  *Ref     `json:"write"`
	Winner *Ref     `json:"winner,omitempty"` // the surviving version that replaced it
	// Inverted is the write with the highest timestamp among those the lost
	// write follows, when that timestamp is above the lost write's own: under
	// timestamp order the write lost the moment it was stamped (clock skew),
	// whichever version finally survived.
	Inverted *Ref `json:"inverted,omitempty"`
	// Until is, for a loss to a tombstone stamped by a physical clock, the
	// true time (ns since the run began) until which the tombstone outranks
	// every write stamped by a clock on true time: the key stays dead until
	// then. It is the earliest moment the history allows; 0 when unknown.
	Until int64 `json:"until,omitempty"`
	// Above is the acknowledged write of the key that beat this one when
	// it was written: it carries a higher stamp, compared as (timestamp,
	// node) as the store compares them, although it precedes this write
	// causally (AboveRead: this write's context reaches it; then it is
	// Inverted) or in real time (its ack came before this write's invoke).
	// A tombstone counts the same.
	Above     *Ref `json:"above,omitempty"`
	AboveRead bool `json:"above_read,omitempty"`
	// Skew says the write was lost to clock skew: it has an Above, and both
	// stamps are physical clock readings (clock.Physical). An Above of
	// logical stamps (lamport) is a stamp that contradicted real time, not
	// a clock's fault, and is not skew.
	Skew bool `json:"skew,omitempty"`
	// WinnerTime is how the winner relates to the write in real time: it
	// was acknowledged before the write began (earlier), the two overlapped
	// (raced), or it began after the write was acknowledged (later), without
	// having read it. Empty when nothing survived.
	WinnerTime Timing `json:"winner_time,omitempty"`
	// Isolated is, in the set workload, the partition (its groups and
	// spell) that cut the write's node off from the majority while the
	// write was under way; empty when none did.
	Isolated string `json:"isolated,omitempty"`
	Why      string `json:"why"`
}

// Stale is a version returned next to a version that follows it.
type Stale struct {
	Key   string `json:"key"`
	Write *Ref   `json:"write"` // the stale version
	Newer *Ref   `json:"newer"` // the version that follows it
	Read  int    `json:"read"`  // the first read event that returned both
	Reads int    `json:"reads"` // how many reads returned both
	Final bool   `json:"final"` // a final read returned both
}

// Phantom is a read of a version that should not exist.
type Phantom struct {
	Key   string `json:"key"`
	Write string `json:"write"`
	Read  int    `json:"read"`           // the read event
	Why   string `json:"why"`            // failed, or never written
	Fail  *Ref   `json:"fail,omitempty"` // the failed write, if any
}

// Divergence is a key whose final reads disagree between nodes.
type Divergence struct {
	Key   string              `json:"key"`
	Nodes map[string][]string `json:"nodes"` // node → version ids it returned
}

// Key is the verdict for one key.
type Key struct {
	Key       string   `json:"key"`
	Final     []string `json:"final"`     // F: the union of the final reads
	Maximal   []string `json:"maximal"`   // the maximal acknowledged or visible writes
	Preserved bool     `json:"preserved"` // F equals Maximal
	Judged    bool     `json:"judged"`    // every node answered the key's final read
	// Missing lists the nodes without a successful final read of the key
	// (none, timed out or failed): the key's lost writes cannot be judged.
	Missing []string `json:"missing,omitempty"`
}

// Summary counts what a check found.
type Summary struct {
	Events        int `json:"events"`
	Ops           int `json:"ops"` // client and nemesis operations, final reads excluded
	Reads         int `json:"reads"`
	Writes        int `json:"writes"` // writes and deletes invoked
	Acknowledged  int `json:"acknowledged"`
	Failed        int `json:"failed"`
	Indeterminate int `json:"indeterminate"`
	// SeenIndeterminate counts the indeterminate writes some read
	// returned: they happened, and are judged like acknowledged ones.
	SeenIndeterminate int              `json:"seen_indeterminate"`
	Lost              int              `json:"lost"`
	LostByKind        map[LostKind]int `json:"lost_by_kind"`
	// SkewLost counts the lost writes lost to clock skew (Lost.Skew).
	SkewLost int `json:"lost_to_skew"`
	// Every lost write is counted once in SkewLost, Racing, Overwritten,
	// Misordered or Rest: the clauses of the headline (checker.Losses).
	//
	// Racing counts the other lost writes dropped for a concurrent write
	// that overlapped them in real time (concurrent-dropped, raced), and
	// Overwritten those dropped for a concurrent write that began after
	// they were acknowledged without having read them (concurrent-dropped,
	// later): an overwrite a register also makes, where siblings keep both.
	Racing      int `json:"lost_racing"`
	Overwritten int `json:"lost_overwritten"`
	// Misordered counts the other lost writes stamped by a logical clock
	// below a write that preceded them (Lost.Above without Lost.Skew): a
	// stamp that contradicted real time, not clock skew.
	Misordered int `json:"lost_misordered"`
	// Rest counts every other lost write by kind.
	Rest        map[LostKind]int `json:"lost_rest,omitempty"`
	Inverted    int              `json:"inverted"` // lost writes stamped below a write they follow
	Stale       int              `json:"stale"`
	Phantoms    int              `json:"phantoms"`
	Corrupted   int              `json:"corrupted"`            // versions read with another value or deleted flag than written
	FutureReads int              `json:"future_reads"`         // reads of a write invoked after they completed
	Duplicated  int              `json:"duplicated,omitempty"` // versions a read listed more than once
	Divergent   int              `json:"divergent"`
	Unpreserved int              `json:"unpreserved"` // keys whose siblings were not preserved
	Faults      int              `json:"faults"`
	// Stamped counts the acknowledged writes that carry a timestamp
	// (meta.ts): the ones checked for external consistency.
	Stamped  int `json:"stamped"`
	External int `json:"external"` // external-consistency violations
	// Linearizable is yes when every key's register history is
	// linearizable, no when some key is not, unknown otherwise.
	Linearizable    Answer        `json:"linearizable"`
	LinearKeys      int           `json:"linear_keys"`      // keys checked for linearizability
	NonLinearizable int           `json:"non_linearizable"` // keys not linearizable
	LinearUnknown   int           `json:"linear_unknown"`   // keys undecided within the time limit
	CommitWait      stats.Latency `json:"commit_wait"`      // of acknowledged writes, local-clock ns
	WriteLatency    stats.Latency `json:"write_latency"`    // of acknowledged writes, invoke to ack, true-time ns
	MetaBytes       stats.Bytes   `json:"meta_bytes"`       // causal metadata per key after each write
	SiblingReads    int           `json:"sibling_reads"`    // client reads that returned more than one version
}

// Add adds the counts of o, a summary of another history, to s: a matrix
// cell's trials and a sweep's seeds are summed with it. The lost writes by
// kind add up kind by kind, the metadata sizes merge (Bytes.Merge), and
// Linearizable is the verdict of the summed keys (LinearVerdict). The
// latency percentiles do not add: CommitWait and WriteLatency are left as
// they are; pool the samples instead (checker.Analysis.WriteTimes,
// stats.Percentiles).
func (s *Summary) Add(o Summary) {
	s.Events += o.Events
	s.Ops += o.Ops
	s.Reads += o.Reads
	s.Writes += o.Writes
	s.Acknowledged += o.Acknowledged
	s.Failed += o.Failed
	s.Indeterminate += o.Indeterminate
	s.SeenIndeterminate += o.SeenIndeterminate
	s.Lost += o.Lost
	if len(o.LostByKind) > 0 && s.LostByKind == nil {
		s.LostByKind = map[LostKind]int{}
	}
	for k, n := range o.LostByKind {
		s.LostByKind[k] += n
	}
	s.SkewLost += o.SkewLost
	s.Racing += o.Racing
	s.Overwritten += o.Overwritten
	s.Misordered += o.Misordered
	if len(o.Rest) > 0 && s.Rest == nil {
		s.Rest = map[LostKind]int{}
	}
	for k, n := range o.Rest {
		s.Rest[k] += n
	}
	s.Inverted += o.Inverted
	s.Stale += o.Stale
	s.Phantoms += o.Phantoms
	s.Corrupted += o.Corrupted
	s.FutureReads += o.FutureReads
	s.Duplicated += o.Duplicated
	s.Divergent += o.Divergent
	s.Unpreserved += o.Unpreserved
	s.Faults += o.Faults
	s.Stamped += o.Stamped
	s.External += o.External
	s.LinearKeys += o.LinearKeys
	s.NonLinearizable += o.NonLinearizable
	s.LinearUnknown += o.LinearUnknown
	s.Linearizable = Answer(LinearVerdict(s.NonLinearizable, s.LinearUnknown))
	s.MetaBytes.Merge(o.MetaBytes)
	s.SiblingReads += o.SiblingReads
}

// Result is a check's verdict with every finding.
type Result struct {
	// Verdict is valid, invalid, or unknown when the history cannot
	// decide (Unknown says why); Valid is Verdict == Valid.
	Verdict  Verdict  `json:"verdict"`
	Valid    bool     `json:"valid"`
	Failures []string `json:"failures"` // why it is invalid, one line per gate that failed
	// Unknown says why the history cannot decide: a key or node without a
	// final read, replicas that did not converge, an interrupted run. Each
	// makes a history that proves no failure unknown, never valid.
	Unknown   []string     `json:"unknown,omitempty"`
	Summary   Summary      `json:"summary"`
	Lost      []Lost       `json:"lost"`
	Stale     []Stale      `json:"stale"`
	Phantoms  []Phantom    `json:"phantoms"`
	Corrupted []Corrupted  `json:"corrupted"`
	Future    []FutureRead `json:"future_reads"`
	// Duplicated lists the versions a read returned more than once.
	Duplicated []Duplicated `json:"duplicated,omitempty"`
	Divergent  []Divergence `json:"divergent"`
	Keys       []Key        `json:"keys"`
	Faults     []Fault      `json:"faults"`
	Notes      []string     `json:"notes,omitempty"`
	External   []External   `json:"external"`
	Linear     []Linear     `json:"linear"`
	// Visualization names the file holding porcupine's visualization of
	// the keys that are not linearizable, when the caller saved one
	// (checker.Analysis.Visualize).
	Visualization string `json:"visualization,omitempty"`
	// Omitted counts, by list, the findings a copy of the result bounded
	// for reading left out (the summary counts them all); empty in a
	// result the checker returns.
	Omitted map[string]int `json:"omitted,omitempty"`
	// Workload is the workload the history was judged as (Options.Workload):
	// empty for the store's own.
	Workload string `json:"workload,omitempty"`
}

// Corrupted is a read that returned a write's id with something other than
// what the write wrote: another value, or a write as a tombstone, or a
// delete as a live value.
type Corrupted struct {
	Key     string `json:"key"`
	Write   *Ref   `json:"write"`   // the write, as it was written
	Read    int    `json:"read"`    // the first read event that returned it so
	Reads   int    `json:"reads"`   // how many reads returned it so
	Value   string `json:"value"`   // what the read returned as its value
	Deleted bool   `json:"deleted"` // what the read returned as its deleted flag
	Why     string `json:"why"`
}

// FutureRead is a read that returned a write invoked only after the read
// had completed: it saw the future.
type FutureRead struct {
	Key   string `json:"key"`
	Write *Ref   `json:"write"` // the write it returned
	Read  int    `json:"read"`  // the read event
	Ack   int    `json:"ack"`   // the read's completion event
	Why   string `json:"why"`
}

// Duplicated is a read that listed one version more than once. A store
// returns each version it holds once; a read that repeats one is an anomaly
// of the store (or of the client that recorded it), whatever else it saw.
type Duplicated struct {
	Key      string   `json:"key"`
	Write    string   `json:"write"`    // the version listed more than once
	Read     int      `json:"read"`     // the first read event that listed it so
	Reads    int      `json:"reads"`    // how many reads listed it so
	Versions []string `json:"versions"` // what that first read returned, in order
	Why      string   `json:"why"`
}

// External is an external-consistency violation: Later began, in true time,
// after Earlier had been acknowledged, yet its timestamp is not higher.
// Earlier is, among the writes acknowledged before Later began, the one with
// the highest timestamp.
type External struct {
	Key     string `json:"key"`
	Earlier *Ref   `json:"earlier"`
	Later   *Ref   `json:"later"`
	Why     string `json:"why"`
}

// Linear is the linearizability verdict for one key's register history.
type Linear struct {
	Key    string       `json:"key"`
	Result LinearResult `json:"result"` // ok, illegal or unknown (undecided within the time limit: not a pass)
	Ops    int          `json:"ops"`    // operations checked
}

// NonLinearizable lists the keys whose verdict is illegal.
func (r *Result) NonLinearizable() []string {
	var keys []string
	for _, l := range r.Linear {
		if Verdict(l.Result) == Invalid {
			keys = append(keys, l.Key)
		}
	}
	return keys
}

// Fault is a nemesis event.
type Fault struct {
	Index  int               `json:"index"`
	Time   int64             `json:"time"`
	F      histories.Func    `json:"f"`
	Params map[string]string `json:"value,omitempty"`
}

// Timing is how a lost write's winner relates to it in real time.
type Timing string

// Timings of a winner.
const (
	Earlier Timing = "earlier" // acknowledged before the lost write was invoked
	Raced   Timing = "raced"   // the two overlapped: a true race
	Later   Timing = "later"   // invoked after the lost write was acknowledged
)

// Interest ranks a lost write for a reader, lowest first: lost to clock
// skew (0), overwritten by an older write (1), suppressed by a tombstone
// (2), stamped below an earlier write by a logical clock (3), and the rest
// (4).
func Interest(l *Lost) int {
	switch {
	case l.Skew:
		return 0
	case l.Kind == OverwrittenByOlder:
		return 1
	case l.Kind == SuppressedByTombstone:
		return 2
	case l.Above != nil || l.Inverted != nil:
		return 3
	}
	return 4
}

// ByInterest returns the indexes of the first n lost writes (all when n is
// 0) in the order of Interest, ties in list order: the order reports list
// them in. It ranks without sorting, so the first few of many cost one
// pass a rank.
func ByInterest(lost []Lost, n int) []int {
	if n <= 0 || n > len(lost) {
		n = len(lost)
	}
	last := 0
	for i := range lost {
		last = max(last, Interest(&lost[i]))
	}
	out := make([]int, 0, n)
	for rank := 0; rank <= last && len(out) < n; rank++ {
		for i := range lost {
			if Interest(&lost[i]) == rank {
				out = append(out, i)
				if len(out) == n {
					break
				}
			}
		}
	}
	return out
}

// MostInteresting returns the indexes of the n lost writes that rank first
// by Interest, ties in list order, in list order; every index when n is 0
// or at least len(lost).
func MostInteresting(lost []Lost, n int) []int {
	idx := ByInterest(lost, n)
	slices.Sort(idx)
	return idx
}
