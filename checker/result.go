package checker

import "github.com/clockwise-kv/clockwise/checker/results"

// What a check finds is package results' (results.json), under the names
// the checker has always given it.
type (
	Result       = results.Result
	Summary      = results.Summary
	Verdict      = results.Verdict
	LinearResult = results.LinearResult
	Answer       = results.Answer
	Ref          = results.Ref
	LostKind     = results.LostKind
	Timing       = results.Timing
	Lost         = results.Lost
	Stale        = results.Stale
	Phantom      = results.Phantom
	Corrupted    = results.Corrupted
	FutureRead   = results.FutureRead
	Duplicated   = results.Duplicated
	Divergence   = results.Divergence
	Key          = results.Key
	External     = results.External
	Linear       = results.Linear
	Fault        = results.Fault
)

// Verdicts, kinds of lost writes and timings of a winner (package results).
const (
	Unknown = results.Unknown
	Valid   = results.Valid
	Invalid = results.Invalid

	OverwrittenByOlder    = results.OverwrittenByOlder
	ConcurrentDropped     = results.ConcurrentDropped
	SuppressedByTombstone = results.SuppressedByTombstone
	Missing               = results.Missing

	Earlier = results.Earlier
	Raced   = results.Raced
	Later   = results.Later
)

// LostKinds lists the kinds of lost writes in report order.
var LostKinds = results.LostKinds

// Interest ranks a lost write for a reader (results.Interest).
func Interest(l *Lost) int { return results.Interest(l) }

// ByInterest returns the indexes of the first n lost writes by Interest
// (results.ByInterest).
func ByInterest(lost []Lost, n int) []int { return results.ByInterest(lost, n) }

// MostInteresting returns the indexes of the n lost writes that rank first
// by Interest, in list order (results.MostInteresting).
func MostInteresting(lost []Lost, n int) []int { return results.MostInteresting(lost, n) }

// ref is w's Ref, one per write in a check: a winner that replaced many
// writes is described once, and every finding shares its Ref.
func (c *check) ref(w *Write) *Ref {
	if w == nil {
		return nil
	}
	if r := c.refs[w.i]; r != nil {
		return r
	}
	if len(c.refSlab) == 0 {
		c.refSlab = make([]Ref, refSlab) // one allocation for many Refs
	}
	r := &c.refSlab[0]
	c.refSlab = c.refSlab[1:]
	fillRef(r, w)
	c.refs[w.i] = r
	return r
}

// refSlab is how many Refs a check allocates at once.
const refSlab = 256

// fillRef describes w in r.
func fillRef(r *Ref, w *Write) {
	*r = Ref{
		Write: w.Write, Value: w.Value, Deleted: w.Deleted, Process: w.Process, Node: w.Node, Type: w.Type,
		Invoke: w.Invoke, Ack: w.Complete, Start: w.Start, End: w.End, Context: w.Context, Offset: w.Offset,
	}
	if r.Context == nil {
		r.Context = []string{}
	}
	if w.Meta != nil {
		r.TS, r.VV = w.Meta.TS, w.Meta.VV
	}
}
