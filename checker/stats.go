package checker

import (
	"slices"

	"github.com/clockwise-kv/clockwise/histories"
)

// Latency summarises durations in ns: how many, the 50th and 99th
// percentiles (nearest rank) and the maximum.
type Latency struct {
	N   int   `json:"n"`
	P50 int64 `json:"p50"`
	P99 int64 `json:"p99"`
	Max int64 `json:"max"`
}

// Percentiles summarises ns; it does not change ns.
func Percentiles(ns []int64) Latency {
	if len(ns) == 0 {
		return Latency{}
	}
	s := slices.Clone(ns)
	slices.Sort(s)
	rank := func(p int) int64 { return s[(p*len(s)+99)/100-1] }
	return Latency{N: len(s), P50: rank(50), P99: rank(99), Max: s[len(s)-1]}
}

// WriteTimes returns, for every acknowledged write and delete in invoke
// order, the commit wait its coordinator reported (meta.wait, local-clock
// ns; 0 when absent) and its latency (acknowledgement minus invoke,
// true-time ns).
func (a *Analysis) WriteTimes() (waits, latencies []int64) { return writeTimes(a.Ops) }

func writeTimes(ops []*Op) (waits, latencies []int64) {
	n := 0
	for _, op := range ops {
		if op.Type == histories.OK && op.isWrite() {
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	waits, latencies = make([]int64, 0, n), make([]int64, 0, n)
	for _, op := range ops {
		if op.Type != histories.OK || !op.isWrite() {
			continue
		}
		var w int64
		if op.Meta != nil {
			w = op.Meta.Wait
		}
		waits = append(waits, w)
		latencies = append(latencies, op.End-op.Start)
	}
	return waits, latencies
}

// Bytes summarises the causal metadata the coordinators reported
// (meta.bytes) after acknowledged writes: how many writes reported it, the
// total and the largest.
type Bytes struct {
	Writes int     `json:"writes"`
	Total  int     `json:"total"`
	Mean   float64 `json:"mean"`
	Max    int     `json:"max"`
}

// Add counts one more write's metadata size.
func (b *Bytes) Add(n int) {
	b.Writes++
	b.Total += n
	b.Max = max(b.Max, n)
	b.Mean = float64(b.Total) / float64(b.Writes)
}

// Merge adds everything o counted.
func (b *Bytes) Merge(o Bytes) {
	b.Writes += o.Writes
	b.Total += o.Total
	b.Max = max(b.Max, o.Max)
	if b.Writes > 0 {
		b.Mean = float64(b.Total) / float64(b.Writes)
	}
}

// stats fills the summary's commit wait, write latency, metadata size and
// sibling counts.
func (c *check) stats(ops []*Op) {
	s := &c.res.Summary
	waits, lat := writeTimes(ops)
	s.CommitWait, s.WriteLatency = Percentiles(waits), Percentiles(lat)
	for _, op := range ops {
		switch {
		case op.Type != histories.OK:
		case op.isWrite():
			if op.Meta != nil && op.Meta.Bytes > 0 {
				s.MetaBytes.Add(op.Meta.Bytes)
			}
		case op.F == histories.Read && op.Process != histories.Final && len(op.Versions) > 1:
			s.SiblingReads++
		}
	}
}
