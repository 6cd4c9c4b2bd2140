package live_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/live"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
	"github.com/clockwise-kv/clockwise/node/nodetest"
	"github.com/clockwise-kv/clockwise/protocol"
)

// runOn runs cfg on target in namespace ns and judges it.
func runOn(t *testing.T, cfg harness.Config, target live.Target, ns string) (*harness.Result, *checker.Result) {
	t.Helper()
	var buf bytes.Buffer
	res, err := live.Run(context.Background(), cfg, target, nil, live.Options{Sink: histories.NewWriter(&buf), Namespace: ns})
	require.NoError(t, err)
	v, err := checker.Check(res.History, checker.Options{})
	require.NoError(t, err)
	return res, v
}

// requireLogical requires every key and write id of h to be the
// generator's (k1…, w1…), the namespace stripped.
func requireLogical(t *testing.T, h []histories.Event) {
	t.Helper()
	for _, e := range h {
		if e.Process == histories.Nemesis {
			continue
		}
		require.True(t, strings.HasPrefix(e.Key, "k"), "event %d: key %q", e.Index, e.Key)
		if e.Write != "" {
			require.True(t, strings.HasPrefix(e.Write, "w") || strings.HasPrefix(e.Write, "d"), "event %d: write %q", e.Index, e.Write)
		}
		for _, v := range e.Versions {
			require.NotContains(t, v.Write, live.Sep, "event %d", e.Index)
		}
	}
}

// A cluster that already holds other writers' keys, with the names a run
// uses (k1, w1) and other values, serves runs one after another and at
// once, each VALID: every run's keys and write ids are its namespace's, and
// its final reads and convergence cover those alone.
func TestRunsOnOneClusterAreIsolated(t *testing.T) {
	ctx := context.Background()
	urls := nodetest.Start(t, "vv", 3, nil)
	c, err := protocol.NewClient(urls[0], nil)
	require.NoError(t, err)
	for _, k := range []string{"k1", "k2", "k3", "clockwise-conformance-0123abcd-1"} {
		_, err := c.Put(ctx, k, protocol.Put{Write: "w1", Value: "someone else's"})
		require.NoError(t, err)
	}
	target, err := live.DialRemote(ctx, urls, "")
	require.NoError(t, err)
	cfg := realConfig("vv", 400, nemesis.Skew, nemesis.Partition)
	cfg.Converge = time.Minute // two runs at once on a loaded machine

	for _, ns := range []string{"run-a", "run-b"} {
		res, v := runOn(t, cfg, target, ns)
		assert.True(t, res.Converged, ns)
		assert.True(t, v.Valid, "%s: %v", ns, v.Failures)
		assert.Len(t, v.Keys, cfg.Keys, "%s: the final reads read the run's keys alone", ns)
		requireLogical(t, res.History)
	}
	st, err := c.State(ctx)
	require.NoError(t, err)
	spaces := map[string]int{}
	for k := range st.Keys {
		ns, _, _ := strings.Cut(k, live.Sep)
		spaces[ns]++
	}
	assert.Equal(t, cfg.Keys, spaces["run-a"], "%v", spaces)
	assert.Equal(t, cfg.Keys, spaces["run-b"], "%v", spaces)

	var wg sync.WaitGroup
	results := make([]*checker.Result, 2)
	for i := range results {
		wg.Go(func() { _, results[i] = runOn(t, cfg, target, "") })
	}
	wg.Wait()
	for i, v := range results {
		assert.True(t, v.Valid, "run %d at once: %v", i+1, v.Failures)
	}
}

// NewNamespace gives each run a namespace of its own.
func TestNewNamespace(t *testing.T) {
	a, b := live.NewNamespace(), live.NewNamespace()
	assert.NotEqual(t, a, b)
	assert.Regexp(t, `^clockwise-[0-9a-f]{12}$`, a)
}

// failAfter is a file that takes n writes, then fails as a full disk does.
type failAfter struct {
	n      int
	writes int
}

var errDiskFull = errors.New("no space left on device")

func (f *failAfter) Write(b []byte) (int, error) {
	if f.writes >= f.n {
		return 0, errDiskFull
	}
	f.writes++
	return len(b), nil
}

// A run whose history cannot be written stops at once: it returns the
// sink's error, with what it recorded, having undone its faults; it does
// not go on with a workload nobody can judge.
func TestRunStopsWhenTheHistoryCannotBeWritten(t *testing.T) {
	ctx := context.Background()
	urls := nodetest.Start(t, "vv", 3, nil)
	target, err := live.DialRemote(ctx, urls, "")
	require.NoError(t, err)
	cfg := realConfig("vv", 3000, nemesis.Skew, nemesis.Partition)
	cfg.Nemesis.Interval = 5 * time.Millisecond // a fault is under way when the sink fails
	sink := &failAfter{n: 3}                    // three pages of the history, then a full disk
	res, err := live.Run(ctx, cfg, target, nil, live.Options{Sink: histories.NewWriter(sink)})
	require.ErrorIs(t, err, errDiskFull)
	assert.ErrorContains(t, err, "run stopped")
	require.NotNil(t, res)
	assert.False(t, res.Interrupted)
	// Three pages hold ~100 events; each client finishes the request it had
	// under way, then the faults are undone.
	assert.Less(t, len(res.History), 300, "the run went on after the history failed")
	for _, u := range urls {
		c, err := protocol.NewClient(u, nil)
		require.NoError(t, err)
		b, err := c.Blocked(ctx)
		require.NoError(t, err)
		assert.Empty(t, b, "%s: the partition was healed", u)
		clk, err := c.Clock(ctx)
		require.NoError(t, err)
		assert.Zero(t, clk.OffsetNS, "%s: the clock was reset", u)
	}
}
