package report

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
)

// inversionHistory is a history in which w2 read w1 yet was stamped lower,
// and a later write that read w1 survives: w2 is lost, concurrent with the
// survivor, and stamped below a write it follows.
func inversionHistory(t *testing.T) ([]histories.Event, *checker.Result) {
	var h []histories.Event
	add := func(e histories.Event) {
		e.Index, e.Time = len(h), int64(len(h))*1_000_000
		h = append(h, e)
	}
	w := func(proc, node, id string, ctx []string, ts int64) {
		if ctx == nil {
			ctx = []string{}
		}
		add(histories.Event{Process: proc, Type: histories.Invoke, F: histories.Write, Key: "x", Node: node, Write: id, Value: id, Context: ctx})
		add(histories.Event{Process: proc, Type: histories.OK, F: histories.Write, Key: "x", Node: node, Write: id, Meta: &histories.Meta{TS: ts}})
	}
	r := func(proc, node string, ids ...string) {
		vs := []histories.Version{}
		for _, id := range ids {
			vs = append(vs, histories.Version{Write: id, Value: id})
		}
		add(histories.Event{Process: proc, Type: histories.Invoke, F: histories.Read, Key: "x", Node: node})
		add(histories.Event{Process: proc, Type: histories.OK, F: histories.Read, Key: "x", Node: node, Versions: vs})
	}
	w("c1", "n1", "w0", nil, 1_000_000_000_500)
	w("c1", "n1", "w1", nil, 1_000_005_000_000)
	r("c2", "n2", "w1")
	w("c2", "n2", "w2", []string{"w1"}, 1_000_001_000_000)
	r("c3", "n3", "w1")
	w("c3", "n3", "w3", []string{"w1"}, 1_000_006_000_000)
	for _, n := range []string{"n1", "n2", "n3"} {
		r(histories.Final, n, "w3")
	}
	res, err := checker.Check(h, checker.Options{})
	require.NoError(t, err)
	return h, res
}
