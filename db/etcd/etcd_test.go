package etcd

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/db"
	"github.com/clockwise-kv/clockwise/db/dbtest"
)

func start(t *testing.T) *Cluster {
	t.Helper()
	dbtest.Need(t, "etcd")
	c, err := Start(context.Background(), Options{Dir: t.TempDir(), Timeout: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, c.Stop())
		dbtest.Clean(t, c.Cluster)
	})
	return c
}

func client(t *testing.T, c *Cluster, nodes ...string) *Client {
	t.Helper()
	cl, err := c.Client(nodes...)
	require.NoError(t, err)
	t.Cleanup(func() { cl.Close() })
	return cl
}

func TestEtcd(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	all := client(t, c)

	// Reads and writes, linearizable and serializable, and both CASes.
	_, found, err := all.Get(ctx, "k", false)
	require.NoError(t, err)
	assert.False(t, found)
	rev, err := all.Put(ctx, "k", "1")
	require.NoError(t, err)
	v, found, err := all.Get(ctx, "k", false)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, Value{Value: "1", ModRevision: rev}, v)
	ok, err := all.CAS(ctx, "k", "0", "2")
	require.NoError(t, err)
	assert.False(t, ok, "k holds 1, not 0")
	ok, err = all.CAS(ctx, "k", "1", "2")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = all.CASRevision(ctx, "k", rev, "3")
	require.NoError(t, err)
	assert.False(t, ok, "the CAS to 2 moved k's revision")
	v, _, err = all.Get(ctx, "k", true)
	require.NoError(t, err)
	ok, err = all.CASRevision(ctx, "k", v.ModRevision, "3")
	require.NoError(t, err)
	assert.True(t, ok)

	t.Run("kill and restart", func(t *testing.T) {
		require.NoError(t, c.Kill("n1"))
		assert.False(t, c.Running("n1"))
		n1 := client(t, c, "n1")
		_, err := n1.Put(ctx, "k", "lost")
		require.Error(t, err, "n1 is down")
		// The client waits for a connection until the timeout: indeterminate,
		// though nothing was sent.
		assert.False(t, db.Definite(err), "%v", err)
		write(t, client(t, c, "n2", "n3"), "4")
		require.NoError(t, c.Restart("n1"))
		require.NoError(t, c.WaitReady(ctx, "n1"))
		v, _, err := n1.Get(ctx, "k", false)
		require.NoError(t, err)
		assert.Equal(t, "4", v.Value, "n1 rejoined with its data and caught up")
	})

	t.Run("pause and resume", func(t *testing.T) {
		require.NoError(t, c.Pause("n2"))
		resumed := false
		defer func() {
			if !resumed {
				assert.NoError(t, c.Resume("n2"))
			}
		}()
		_, _, err := client(t, c, "n2").Get(ctx, "k", true)
		require.Error(t, err, "a paused member answers nothing")
		assert.False(t, db.Definite(err), "the request was sent: %v", err)
		write(t, client(t, c, "n1", "n3"), "5") // two of three are a quorum
		require.NoError(t, c.Resume("n2"))
		resumed = true
		require.NoError(t, c.WaitReady(ctx, "n2"))
	})

	t.Run("partition", func(t *testing.T) {
		require.NoError(t, c.Partition([][]string{{"n1"}, {"n2", "n3"}}))
		defer func() { assert.NoError(t, c.Heal()) }()
		cut := time.Now()
		n1 := client(t, c, "n1")
		write(t, client(t, c, "n2", "n3"), "6") // the majority keeps or elects a leader
		// n1 loses its leader within an election timeout and refuses writes
		// at once; reads, which etcd's client retries, time out. A write
		// that timed out before may still take effect: n1 may have sent it to
		// the leader, and the kernel delivers it once the link is back.
		final := []string{"6"}
		var err error
		require.NoError(t, db.Wait(ctx, "n1 to lose its leader", 15*time.Second, func(ctx context.Context) error {
			_, err = n1.Put(ctx, "k", "minority")
			if db.Definite(err) {
				return nil
			}
			if err != nil {
				final = append(final, "minority")
			}
			return fmt.Errorf("put on n1: %v", err)
		}))
		assert.ErrorContains(t, err, "no leader")
		t.Logf("n1 refused writes for want of a leader %s after the cut", time.Since(cut).Round(10*time.Millisecond))
		_, _, err = n1.Get(ctx, "k", false)
		require.Error(t, err, "no linearizable read on the minority")
		v, _, err := n1.Get(ctx, "k", true)
		require.NoError(t, err)
		assert.Contains(t, []string{"4", "5"}, v.Value, "a serializable read on the minority is stale")

		require.NoError(t, c.Heal())
		require.NoError(t, db.Wait(ctx, "n1 to catch up", 15*time.Second, func(ctx context.Context) error {
			v, _, err := n1.Get(ctx, "k", false)
			if err == nil && !slices.Contains(final, v.Value) {
				return fmt.Errorf("n1 reads k=%q, not one of %q", v.Value, final)
			}
			return err
		}))
	})
}

func TestSkewDoesNotReachEtcd(t *testing.T) {
	c := start(t)
	assert.ErrorContains(t, c.SetOffset("n1", time.Hour), "does not run under libfaketime")
}

// write puts value to k through cl, retrying while a leader is elected.
func write(t *testing.T, cl *Client, value string) {
	t.Helper()
	require.NoError(t, db.Wait(context.Background(), "a write of "+value, 15*time.Second, func(ctx context.Context) error {
		_, err := cl.Put(ctx, "k", value)
		return err
	}))
}
