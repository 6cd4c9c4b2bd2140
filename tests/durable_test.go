package tests

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/live"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// readThenDown plays the loss a durable node prevents: n1 is cut off from
// its replicas, takes a W=2 write that never reaches its quorum (the client
// times out: info), and a read through n1 returns it; then n1 goes down
// with down (kill or crash), the partition heals and n1 restarts. It
// returns the write's and the read's completions and the verdict.
func readThenDown(t *testing.T, l *live.Local, cfg harness.Config, down nemesis.Fault) (write, read histories.Event, v *checker.Result) {
	t.Helper()
	part, heal, restart := nemesis.PartitionFault([]string{"n1"}, []string{"n2", "n3"}), nemesis.HealFault(), nemesis.RestartFault("n1")
	steps := []harness.Step{
		{Fault: &part},
		{Calls: []harness.Call{{Process: "c1", Op: harness.Op{F: histories.Write, Key: "k1", Node: "n1"}}}},
		{Calls: []harness.Call{{Process: "c2", Op: harness.Op{F: histories.Read, Key: "k1", Node: "n1"}}}},
		{Fault: &down}, {Fault: &heal}, {Fault: &restart},
	}
	res, err := live.RunScript(context.Background(), cfg, l, steps, live.Options{})
	require.NoError(t, err)
	require.True(t, res.Converged)
	done := func(p string) histories.Event {
		i := slices.IndexFunc(res.History, func(e histories.Event) bool { return e.Process == p && e.Type != histories.Invoke })
		require.GreaterOrEqual(t, i, 0, "%s completed", p)
		return res.History[i]
	}
	write, read = done("c1"), done("c2")
	require.Equal(t, histories.Info, write.Type, "W=2 and no replica reachable: no ack")
	require.Equal(t, histories.OK, read.Type)
	require.Len(t, read.Versions, 1, "the read through n1 returned the write")
	require.Equal(t, write.Write, read.Versions[0].Write)
	i := slices.IndexFunc(res.History, func(e histories.Event) bool { return e.Process == histories.Nemesis && e.F == histories.Func(down.F) })
	require.GreaterOrEqual(t, i, 0, "the %s is recorded", down.F)
	assert.Equal(t, map[string]string{"node": "n1"}, res.History[i].Params)
	return write, read, judge(t, res.History)
}

func quorumConfig() harness.Config {
	cfg := config("vv", 0)
	cfg.W = 2
	return cfg
}

// A node with a data folder comes back from SIGKILL with everything it
// served to a read, so the write the read returned is kept.
func TestLocalDurableNodeKeepsAReadWriteAcrossKill(t *testing.T) {
	cfg := quorumConfig()
	l := durable(t, cfg)
	write, _, v := readThenDown(t, l, cfg, nemesis.KillFault("n1"))
	assert.True(t, v.Valid, "%v", v.Failures)
	require.Len(t, v.Keys, 1)
	assert.Equal(t, []string{write.Write}, v.Keys[0].Final, "every node holds it in the end")
}

// Without a data folder the same kill loses it: the failure a durable node
// removes.
func TestLocalMemoryNodeLosesAReadWriteToKill(t *testing.T) {
	cfg := quorumConfig()
	l := local(t, cfg)
	write, _, v := readThenDown(t, l, cfg, nemesis.KillFault("n1"))
	assert.False(t, v.Valid)
	require.Len(t, v.Lost, 1)
	assert.Equal(t, write.Write, v.Lost[0].Write.Write)
}

// crash is a kill that loses the data folder (amnesia): the write the read
// returned is lost, and the node restarts as a new incarnation.
func TestLocalCrashLosesTheDataFolder(t *testing.T) {
	cfg := quorumConfig()
	l := durable(t, cfg)
	write, _, v := readThenDown(t, l, cfg, nemesis.CrashFault("n1"))
	assert.False(t, v.Valid)
	require.Len(t, v.Lost, 1)
	assert.Equal(t, write.Write, v.Lost[0].Write.Write)
	assert.Equal(t, checker.Missing, v.Lost[0].Kind)
}

// A remote cluster cannot take a crash: it is recorded as skipped.
func TestRemoteCrashIsSkipped(t *testing.T) {
	cfg := config("vv", 0)
	l := durable(t, cfg)
	var urls []string
	for _, n := range l.Nodes() {
		urls = append(urls, l.Client(n).URL())
	}
	r, err := live.DialRemote(context.Background(), urls, "")
	require.NoError(t, err)
	crash := nemesis.CrashFault("n1")
	res, err := live.RunScript(context.Background(), cfg, r, []harness.Step{{Fault: &crash}}, live.Options{})
	require.NoError(t, err)
	i := slices.IndexFunc(res.History, func(e histories.Event) bool { return e.F == live.Skipped })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, "crash", res.History[i].Params["fault"])
	assert.Contains(t, res.History[i].Params["why"], "cannot be crashed")
}

// Each node of a durable local cluster keeps its store in <Data>/<node>/data;
// crash deletes the folder, kill keeps it.
func TestLocalDataFolders(t *testing.T) {
	cfg := config("vv", 0)
	dir := t.TempDir()
	l, err := live.StartLocal(context.Background(), cfg, live.LocalOptions{Binary: binary, Data: dir})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	ctx := context.Background()
	db := filepath.Join(dir, "n2", "data", "store.db")
	assert.FileExists(t, db)
	require.NoError(t, l.Kill(ctx, "n2"))
	assert.FileExists(t, db, "kill keeps the data folder")
	require.NoError(t, l.Restart(ctx, "n2"))
	require.NoError(t, l.Crash(ctx, "n2"))
	_, err = os.Stat(filepath.Join(dir, "n2", "data"))
	assert.ErrorIs(t, err, os.ErrNotExist, "crash deletes it")
	require.NoError(t, l.Restart(ctx, "n2"))
	assert.FileExists(t, db, "the new incarnation starts a new one")
}

// With a data folder even W=1 loses nothing to kill: the coordinator cut
// off from its replicas saved the write before it acknowledged it, and
// comes back with it.
func TestLocalDurableIsolatedCoordinatorKeepsItsW1Write(t *testing.T) {
	ack, v := killCoordinatorOf(t, durable, 1, true)
	require.Equal(t, histories.OK, ack.Type, "W=1: acknowledged by n1 alone")
	assert.True(t, v.Valid, "%v", v.Failures)
	require.Len(t, v.Keys, 1)
	assert.Equal(t, []string{ack.Write}, v.Keys[0].Final)
}
