package node_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/node"
	"github.com/clockwise-kv/clockwise/protocol"
)

// serve runs cfg on a loopback listener until the returned stop is called;
// stop returns Run's error.
func serve(t *testing.T, cfg node.Config) (*protocol.Client, func() error) {
	t.Helper()
	s, err := node.New(cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln) }()
	c, err := protocol.NewClient(ln.Addr().String(), nil)
	require.NoError(t, err)
	var stopped bool
	var runErr error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			runErr = <-done
		}
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return c, stop
}

func TestDataFolderBringsBackWhatTheNodeAcknowledged(t *testing.T) {
	ctx := context.Background()
	for _, strategy := range []string{"vv", "dvv", "lww"} {
		t.Run(strategy, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			cfg := node.Config{ID: "n1", Strategy: strategy, Data: dir}
			c, stop := serve(t, cfg)
			_, err := c.Put(ctx, "x", protocol.Put{Write: "w1", Value: "one"})
			require.NoError(t, err)
			_, err = c.Put(ctx, "y", protocol.Put{Write: "w2", Value: "two"})
			require.NoError(t, err)
			require.NoError(t, stop())
			assert.FileExists(t, filepath.Join(dir, node.DataFile))

			c, _ = serve(t, cfg)
			r, err := c.Get(ctx, "x")
			require.NoError(t, err)
			assert.Equal(t, []string{"w1"}, ids(r.Versions), "the write is back after the restart")
			// A blind write after the restart is a sibling (vv, dvv) or
			// the winner (lww), never beaten by what came before it.
			_, err = c.Put(ctx, "x", protocol.Put{Write: "w3", Value: "three"})
			require.NoError(t, err)
			r, err = c.Get(ctx, "x")
			require.NoError(t, err)
			assert.Contains(t, ids(r.Versions), "w3")
			r, err = c.Get(ctx, "y")
			require.NoError(t, err)
			assert.Equal(t, []string{"w2"}, ids(r.Versions))
		})
	}
}

func TestWithoutADataFolderARestartedNodeIsEmpty(t *testing.T) {
	ctx := context.Background()
	cfg := node.Config{ID: "n1", Strategy: "vv"}
	c, stop := serve(t, cfg)
	_, err := c.Put(ctx, "x", protocol.Put{Write: "w1", Value: "one"})
	require.NoError(t, err)
	require.NoError(t, stop())
	c, _ = serve(t, cfg)
	r, err := c.Get(ctx, "x")
	require.NoError(t, err)
	assert.Empty(t, r.Versions)
}

func TestDataFolderOfAnotherNodeOrStrategyIsRefused(t *testing.T) {
	dir := t.TempDir()
	_, stop := serve(t, node.Config{ID: "n1", Strategy: "vv", Data: dir})
	require.NoError(t, stop())
	_, err := node.New(node.Config{ID: "n2", Strategy: "vv", Data: dir})
	assert.ErrorContains(t, err, `belongs to a node with id "n1", not "n2"`)
	_, err = node.New(node.Config{ID: "n1", Strategy: "lww", Data: dir})
	assert.ErrorContains(t, err, `belongs to a node with strategy "vv", not "lww"`)
}

func TestDataFolderInUseIsRefused(t *testing.T) {
	dir := t.TempDir()
	serve(t, node.Config{ID: "n1", Strategy: "vv", Data: dir})
	_, err := node.New(node.Config{ID: "n1", Strategy: "vv", Data: dir})
	assert.ErrorContains(t, err, "another process has it open")
}

func TestCorruptDataFolderIsRefused(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, node.DataFile), []byte("not a database, long enough to be read as a page header and fail its checks"), 0o644))
	_, err := node.New(node.Config{ID: "n1", Strategy: "vv", Data: dir})
	assert.ErrorContains(t, err, "data folder")
}

// A write that reached its replica through the peer link is on the
// replica's disk before the replica answers Stored, so the coordinator's
// acknowledgement with W=2 means two disks hold it.
func TestQuorumWriteIsOnBothDisks(t *testing.T) {
	ctx := context.Background()
	dirs := []string{t.TempDir(), t.TempDir()}
	lns := make([]net.Listener, 2)
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lns[i] = ln
	}
	cfgs := []node.Config{
		{ID: "n1", Strategy: "vv", W: 2, Data: dirs[0], Peers: map[string]string{"n2": lns[1].Addr().String()}},
		{ID: "n2", Strategy: "vv", W: 2, Data: dirs[1], Peers: map[string]string{"n1": lns[0].Addr().String()}},
	}
	ctx2, cancel := context.WithCancel(ctx)
	done := make(chan error, 2)
	for i, cfg := range cfgs {
		cfg.Sync = time.Hour // no anti-entropy: only the write's own replication
		s, err := node.New(cfg)
		require.NoError(t, err)
		go func() { done <- s.Run(ctx2, lns[i]) }()
	}
	c, err := protocol.NewClient(lns[0].Addr().String(), nil)
	require.NoError(t, err)
	_, err = c.Put(ctx, "x", protocol.Put{Write: "w1", Value: "one"})
	require.NoError(t, err)
	cancel()
	require.NoError(t, <-done)
	require.NoError(t, <-done)

	c2, _ := serve(t, node.Config{ID: "n2", Strategy: "vv", Data: dirs[1]})
	r, err := c2.Get(ctx, "x")
	require.NoError(t, err)
	assert.Equal(t, []string{"w1"}, ids(r.Versions), "n2 kept the write it stored for n1's quorum")
}
