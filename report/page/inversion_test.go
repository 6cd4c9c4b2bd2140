package page

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/historytest"
)

// inversionHistory is a history in which w2 read w1 yet was stamped lower,
// and a later write that read w1 survives: w2 is lost, concurrent with the
// survivor, and stamped below a write it follows.
func inversionHistory(t *testing.T) ([]histories.Event, *checker.Result) {
	b := historytest.Builder{Tick: 1_000_000}
	b.Write("c1", "x", "n1", "w0", nil, histories.OK, 1_000_000_000_500).
		Write("c1", "x", "n1", "w1", nil, histories.OK, 1_000_005_000_000).
		Read("c2", "x", "n2", "w1").
		Write("c2", "x", "n2", "w2", []string{"w1"}, histories.OK, 1_000_001_000_000).
		Read("c3", "x", "n3", "w1").
		Write("c3", "x", "n3", "w3", []string{"w1"}, histories.OK, 1_000_006_000_000).
		Final("x", "w3")
	h := b.History()
	res, err := checker.Check(h, checker.Options{})
	require.NoError(t, err)
	return h, res
}
