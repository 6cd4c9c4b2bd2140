package checker

import (
	"maps"
	"slices"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/historytest"
)

// registerHistory is ops, each through n1 unless it names a node, then one
// final read through n1 of each key of finals, returning its ids.
func registerHistory(ops []historytest.Op, finals map[string][]string) []histories.Event {
	var b historytest.Builder
	for _, o := range ops {
		if o.Node == "" {
			o.Node = "n1"
		}
		b.Op(o)
	}
	for _, key := range slices.Sorted(maps.Keys(finals)) {
		b.Read(histories.Final, key, "n1", finals[key]...)
	}
	return b.History()
}
