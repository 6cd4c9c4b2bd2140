package report

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/historytest"
)

func textOf(t *testing.T, b *historytest.Builder, limit int) (*checker.Result, string) {
	t.Helper()
	res, err := checker.Check(b.History(), checker.Options{})
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, WriteText(&out, res, limit))
	return res, out.String()
}

func TestTextReportExplainsEachLoss(t *testing.T) {
	_, out := textOf(t, new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, clock.Epoch+5_000).
		Read("c2", "x", "n2", "w1").
		Write("c2", "x", "n2", "w2", []string{"w1"}, histories.OK, clock.Epoch+1_000).
		Final("x", "w1"), 0)
	assert.Contains(t, out, "INVALID: 1 acknowledged write lost to clock skew; 0 more dropped as concurrent writes\n")
	assert.Contains(t, out, "1 of 2 acknowledged writes lost")
	assert.Contains(t, out, "w2 on x: overwritten-by-older")
	assert.Contains(t, out, "ack:    write w2 (value \"w2\") by c2 via n2, ok at")
	assert.Contains(t, out, "winner: write w1")
	assert.Contains(t, out, "why:    w2 (c2 via n2, acknowledged at 5µs, stamp 1µs) was stamped below w1")
	assert.Contains(t, out, "In the end: w2 follows w1")
	assert.Contains(t, out, "external consistency: 1 violation among 2 timestamped writes")
}

// The skew signature comes first, and a limit says where the rest is.
func TestTextReportListsTheSkewSignatureFirst(t *testing.T) {
	// w2 read w1 but was stamped lower (a slow clock); w3 and w4 survive or
	// are dropped for concurrency.
	res, out := textOf(t, new(historytest.Builder).
		Write("c1", "x", "n1", "w1", nil, histories.OK, clock.Epoch+5_000).
		Read("c2", "x", "n2", "w1").
		Write("c2", "x", "n2", "w2", []string{"w1"}, histories.OK, clock.Epoch+1_000).
		Read("c3", "x", "n3", "w1").
		Write("c3", "x", "n3", "w3", []string{"w1"}, histories.OK, clock.Epoch+6_000).
		Write("c1", "x", "n1", "w4", nil, histories.OK, clock.Epoch+7_000).
		Final("x", "w4"), 1)
	require.Greater(t, len(res.Lost), 1)
	assert.NotEqual(t, "w2", res.Lost[0].Write.Write, "history order differs from the order of interest")
	assert.Contains(t, out, "\nLost writes:\n- w2 on x", "the skew signature is listed first")
	assert.Contains(t, out, "above:  write w1")
	assert.Contains(t, out, "1 acknowledged write lost to clock skew; 2 more dropped as concurrent writes (0 racing, 2 overwritten by later writes that never read them)")
	assert.Contains(t, out, "  … and 2 more (clockwise analyze --full --limit 0 explains every one)\n")
}

func TestTextReportNamesTheTombstone(t *testing.T) {
	_, out := textOf(t, new(historytest.Builder).
		Write("c1", "x", "n2", "w1", nil, histories.OK, clock.Epoch+10).
		Read(histories.Nemesis, "x", "n1", "w1").
		Write(histories.Nemesis, "x", "n1", "d2", []string{"w1"}, histories.OK, clock.Epoch+5_000).
		Write("c1", "x", "n2", "w3", nil, histories.OK, clock.Epoch+20).
		Final("x", "d2"), 0)
	assert.Contains(t, out, "1 of 3 acknowledged writes lost (by kind: suppressed-by-tombstone 1)")
	assert.Contains(t, out, "1 acknowledged write lost to clock skew;", "a tombstone from the future: stamped above w3, acknowledged before it began")
	assert.Contains(t, out, "above:  delete d2 by nemesis via n1")
	assert.Contains(t, out, "winner: delete d2 by nemesis via n1")
}

// byInterest's first n are the first n of a stable sort by
// checker.Interest, for every n.
func TestByInterestTakesTheFirstOfAStableSort(t *testing.T) {
	var lost []checker.Lost
	for i, l := range []checker.Lost{
		{Kind: checker.ConcurrentDropped}, {Kind: checker.OverwrittenByOlder}, {Kind: checker.ConcurrentDropped, Skew: true},
		{Kind: checker.SuppressedByTombstone}, {Kind: checker.ConcurrentDropped, Inverted: &checker.Ref{}}, {Kind: checker.OverwrittenByOlder, Skew: true},
	} {
		l.Write = &checker.Ref{Write: fmt.Sprintf("w%d", i)}
		lost = append(lost, l)
	}
	sorted := slices.Clone(lost)
	slices.SortStableFunc(sorted, func(a, b checker.Lost) int { return checker.Interest(&a) - checker.Interest(&b) })
	assert.Equal(t, sorted, byInterest(lost, 0))
	for n := 1; n <= len(lost)+1; n++ {
		assert.Equal(t, sorted[:min(n, len(lost))], byInterest(lost, n), "n=%d", n)
	}
}

func TestFaultCountsTheFaultsStartedNotTheirHeals(t *testing.T) {
	faults := []checker.Fault{{F: "partition"}, {F: "skew"}, {F: "heal"}, {F: "reset"}, {F: "tombstone"},
		{F: "crash"}, {F: "restart"}, {F: histories.Unconverged}, {F: histories.Skipped}}
	assert.Equal(t, 4, FaultsStarted(faults))
	r := &checker.Result{Faults: faults, Summary: checker.Summary{Ops: 1, Reads: 1, LostByKind: map[checker.LostKind]int{}}}
	var out strings.Builder
	require.NoError(t, WriteBrief(&out, Brief{Result: r}))
	assert.Contains(t, out.String(), "1 operation: 1 read, 0 writes (0 ok, 0 failed, 0 unknown outcome); 4 faults\n")
	out.Reset()
	require.NoError(t, WriteText(&out, r, 0))
	assert.Contains(t, out.String(), "faults 4 (heals apart)")
}

func TestNotLinearizableSaysWhyWhenKeysKeepSiblings(t *testing.T) {
	s := checker.Summary{LostByKind: map[checker.LostKind]int{}, Linearizable: checker.Answer(checker.Invalid), NonLinearizable: 1, LinearKeys: 1}
	var out strings.Builder
	require.NoError(t, WriteBrief(&out, Brief{Result: &checker.Result{Summary: s}}))
	assert.Contains(t, out.String(), "linearizable: no (1 of 1 key not)\n", "a register's keys: no reason needed")
	s.SiblingReads = 4
	out.Reset()
	require.NoError(t, WriteBrief(&out, Brief{Result: &checker.Result{Summary: s}}))
	assert.Contains(t, out.String(), "linearizable: no (1 of 1 key not: keys that keep siblings are not a single register)\n")
	out.Reset()
	require.NoError(t, WriteText(&out, &checker.Result{Summary: s}, 0))
	assert.Contains(t, out.String(), "linearizable: no: keys that keep siblings are not a single register\n")
}
