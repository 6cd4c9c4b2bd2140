package checker

import "github.com/clockwise-kv/clockwise/histories"

// LostKind says what replaced a lost write.
type LostKind string

// Kinds of lost writes.
const (
	OverwrittenByOlder    LostKind = "overwritten-by-older"
	ConcurrentDropped     LostKind = "concurrent-dropped"
	SuppressedByTombstone LostKind = "suppressed-by-tombstone"
	Missing               LostKind = "missing"
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

// ref is w's Ref, one per write in a check: a winner that replaced many
// writes is described once, and every finding shares its Ref.
func (c *check) ref(w *Write) *Ref {
	if w == nil {
		return nil
	}
	if r := c.refs[w.i]; r != nil {
		return r
	}
	r := ref(w)
	c.refs[w.i] = r
	return r
}

func ref(w *Write) *Ref {
	if w == nil {
		return nil
	}
	r := &Ref{
		Write: w.Write, Value: w.Value, Deleted: w.Deleted, Process: w.Process, Node: w.Node, Type: w.Type,
		Invoke: w.Invoke, Ack: w.Complete, Start: w.Start, End: w.End, Context: w.Context, Offset: w.Offset,
	}
	if r.Context == nil {
		r.Context = []string{}
	}
	if w.Meta != nil {
		r.TS, r.VV = w.Meta.TS, w.Meta.VV
	}
	return r
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
	// Skew says the write was lost because clock order contradicted
	// causality: it follows the write that replaced it, or it was stamped
	// below a write it follows (Inverted). Both writes carry timestamps.
	Skew bool   `json:"skew,omitempty"`
	Why  string `json:"why"`
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
	// SkewLost counts the lost writes that clock order lost (Lost.Skew).
	SkewLost    int `json:"lost_to_skew"`
	Inverted    int `json:"inverted"` // lost writes stamped below a write they follow
	Stale       int `json:"stale"`
	Phantoms    int `json:"phantoms"`
	Corrupted   int `json:"corrupted"`            // versions read with another value or deleted flag than written
	FutureReads int `json:"future_reads"`         // reads of a write invoked after they completed
	Duplicated  int `json:"duplicated,omitempty"` // versions a read listed more than once
	Divergent   int `json:"divergent"`
	Unpreserved int `json:"unpreserved"` // keys whose siblings were not preserved
	Faults      int `json:"faults"`
	// Stamped counts the acknowledged writes that carry a timestamp
	// (meta.ts): the ones checked for external consistency.
	Stamped  int `json:"stamped"`
	External int `json:"external"` // external-consistency violations
	// Linearizable is yes when every key's register history is
	// linearizable, no when some key is not, unknown otherwise.
	Linearizable    Answer  `json:"linearizable"`
	LinearKeys      int     `json:"linear_keys"`      // keys checked for linearizability
	NonLinearizable int     `json:"non_linearizable"` // keys not linearizable
	LinearUnknown   int     `json:"linear_unknown"`   // keys undecided within the time limit
	CommitWait      Latency `json:"commit_wait"`      // of acknowledged writes, local-clock ns
	WriteLatency    Latency `json:"write_latency"`    // of acknowledged writes, invoke to ack, true-time ns
	MetaBytes       Bytes   `json:"meta_bytes"`       // causal metadata per key after each write
	SiblingReads    int     `json:"sibling_reads"`    // client reads that returned more than one version
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
	// (Visualize).
	Visualization string `json:"visualization,omitempty"`
	// Omitted counts, by list, the findings a copy of the result bounded
	// for reading left out (the summary counts them all); empty in a
	// result the checker returns.
	Omitted map[string]int `json:"omitted,omitempty"`
}
