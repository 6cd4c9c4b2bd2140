package checker

import (
	"github.com/clockwise-kv/clockwise/checker/stats"
	"github.com/clockwise-kv/clockwise/histories"
)

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

// measure fills the summary's commit wait, write latency, metadata size and
// sibling counts.
func (c *check) measure(ops []*Op) {
	s := &c.res.Summary
	waits, lat := writeTimes(ops)
	s.CommitWait, s.WriteLatency = stats.Percentiles(waits), stats.Percentiles(lat)
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

// Metadata measures every key's causal metadata and siblings, in key order
// (stats.Meter).
func (a *Analysis) Metadata() []stats.KeyMeta {
	var m stats.Meter
	for _, op := range a.Ops {
		switch {
		case op.Type != histories.OK:
			m.Touch(op.Key)
		case op.F == histories.Read:
			m.Read(op.Key, len(op.Versions), op.Process == histories.Final)
		case op.Meta == nil:
			m.Write(op.Key, op.Node, false, 0, 0)
		default:
			m.Write(op.Key, op.Node, true, len(op.Meta.VV), op.Meta.Bytes)
		}
	}
	return m.Keys()
}
