package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/db"
	"github.com/clockwise-kv/clockwise/db/dbtest"
)

func TestRedis(t *testing.T) {
	dbtest.Need(t, "redis-server")
	ctx := context.Background()
	c, err := Start(ctx, Options{Dir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, c.Stop())
		dbtest.Clean(t, c.Cluster)
	})
	cl := c.Client(ClientOptions{})
	defer cl.Close()
	assert.ErrorContains(t, c.SetOffset("n1", time.Second), "without libfaketime")

	_, found, err := cl.Get(ctx, "k")
	require.NoError(t, err)
	assert.False(t, found)
	ack, err := cl.Set(ctx, "k", "1")
	require.NoError(t, err)
	assert.False(t, ack.Waited)
	v, found, err := cl.Get(ctx, "k")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "1", v)
	for _, m := range []string{"a", "b", "a"} {
		_, err := cl.SAdd(ctx, "s", m)
		require.NoError(t, err)
	}
	members, err := cl.SMembers(ctx, "s")
	require.NoError(t, err)
	slices.Sort(members)
	assert.Equal(t, []string{"a", "b"}, members)

	waiting := c.Client(ClientOptions{Wait: true})
	defer waiting.Close()
	ack, err = waiting.Set(ctx, "k", "2")
	require.NoError(t, err)
	assert.True(t, ack.Waited)
	assert.GreaterOrEqual(t, ack.Replicas, 1, "WAIT 1 with two replicas online")
	assert.NoError(t, ack.WaitErr)

	replica, err := c.NodeClient("n2", ClientOptions{})
	require.NoError(t, err)
	defer replica.Close()
	_, err = replica.Set(ctx, "k", "3")
	require.ErrorContains(t, err, "READONLY")
	assert.True(t, db.Definite(err), "a replica refuses writes: %v", err)

	t.Run("kill and restart a replica", func(t *testing.T) {
		require.NoError(t, c.Kill("n3"))
		_, err := cl.Set(ctx, "k", "4")
		require.NoError(t, err, "the primary takes writes with a replica down")
		require.NoError(t, c.Restart("n3"))
		require.NoError(t, c.WaitSettled(ctx, "n1"))
		n3, err := c.NodeClient("n3", ClientOptions{})
		require.NoError(t, err)
		defer n3.Close()
		require.NoError(t, db.Wait(ctx, "n3 to catch up", 10*time.Second, func(ctx context.Context) error {
			v, _, err := n3.Get(ctx, "k")
			if err == nil && v != "4" {
				return fmt.Errorf("n3 has k=%q", v)
			}
			return err
		}))
	})

	t.Run("pause a replica", func(t *testing.T) {
		require.NoError(t, c.Pause("n2"))
		resumed := false
		defer func() {
			if !resumed {
				assert.NoError(t, c.Resume("n2"))
			}
		}()
		_, _, err := replica.Get(ctx, "k")
		require.Error(t, err, "a paused server answers nothing")
		assert.False(t, db.Definite(err), "%v", err)
		_, err = cl.Set(ctx, "k", "5")
		require.NoError(t, err)
		require.NoError(t, c.Resume("n2"))
		resumed = true
		require.NoError(t, c.WaitSettled(ctx, "n1"))
	})

	t.Run("partition the primary away", func(t *testing.T) {
		old, err := c.NodeClient("n1", ClientOptions{Wait: true})
		require.NoError(t, err)
		defer old.Close()
		require.NoError(t, c.Partition([][]string{{"n1"}, {"n2", "n3"}}))
		healed := false
		defer func() {
			if !healed {
				assert.NoError(t, c.Heal())
			}
		}()
		cut := time.Now()
		// The old primary, alone, still acknowledges a write.
		ack, err := old.Set(ctx, "k", "minority")
		require.NoError(t, err)
		assert.Equal(t, Ack{Waited: true, Replicas: 0}, ack, "no replica reached WAIT's timeout")
		var primary string
		require.NoError(t, db.Wait(ctx, "a failover on the majority", 20*time.Second, func(ctx context.Context) error {
			primary, err = c.Primary(ctx, "n2")
			if err == nil && primary == "n1" {
				return fmt.Errorf("s2 still names n1")
			}
			return err
		}))
		t.Logf("failover: s2 named %s %s after the cut", primary, time.Since(cut).Round(10*time.Millisecond))
		assert.Contains(t, []string{"n2", "n3"}, primary)
		s1, err := c.Primary(ctx, "n1")
		require.NoError(t, err)
		assert.Equal(t, "n1", s1, "s1, with n1 on the minority, still names it")
		role, err := c.Role(ctx, "n1")
		require.NoError(t, err)
		assert.Equal(t, "master", role, "n1 believes it still leads")

		require.NoError(t, c.Heal())
		healed = true
		heal := time.Now()
		require.NoError(t, c.WaitSettled(ctx, primary))
		t.Logf("after the heal: n1 a replica of %s %s later", primary, time.Since(heal).Round(10*time.Millisecond))
		n1, err := c.NodeClient("n1", ClientOptions{})
		require.NoError(t, err)
		defer n1.Close()
		require.NoError(t, db.Wait(ctx, "n1 to resync", 10*time.Second, func(ctx context.Context) error {
			v, _, err := n1.Get(ctx, "k")
			if err == nil && v != "5" {
				return fmt.Errorf("n1 has k=%q", v)
			}
			return err
		}))
		v, _, err := cl.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "5", v, "the acknowledged write on the old primary is lost")
	})
}

// TestSkew runs Redis under libfaketime where it can, and otherwise checks
// that Start says why it cannot (Debian's redis-server links jemalloc).
func TestSkew(t *testing.T) {
	dbtest.Need(t, "redis-server")
	require.NotEmpty(t, db.Faketime(), "libfaketime is missing: run make dbs")
	ctx := context.Background()
	c, err := Start(ctx, Options{Dir: t.TempDir(), Skew: true})
	var se *db.SkewError
	if errors.As(err, &se) {
		t.Logf("redis under libfaketime: %v", err)
		assert.Contains(t, se.Reason, "libfaketime")
		assert.Empty(t, dbtest.OwnedPids(t))
		return
	}
	require.NoError(t, err)
	defer func() {
		require.NoError(t, c.Stop())
		dbtest.Clean(t, c.Cluster)
	}()
	replica, err := c.NodeClient("n2", ClientOptions{})
	require.NoError(t, err)
	defer replica.Close()
	require.NoError(t, c.SetOffset("n2", time.Hour))
	require.NoError(t, db.Wait(ctx, "n2's clock an hour ahead", 10*time.Second, func(ctx context.Context) error {
		now, err := replica.rdb.Time(ctx).Result()
		if err != nil {
			return err
		}
		if d := time.Until(now); d < 59*time.Minute || d > 61*time.Minute {
			return fmt.Errorf("n2's TIME is %s ahead", d)
		}
		return nil
	}))
}

// TestPausedPrimary is Jepsen's classic: a primary paused past Sentinel's
// down-after is replaced, and wakes up believing it still leads, taking
// writes that its demotion then discards.
func TestPausedPrimary(t *testing.T) {
	dbtest.Need(t, "redis-server")
	ctx := context.Background()
	c, err := Start(ctx, Options{Dir: t.TempDir()})
	require.NoError(t, err)
	defer func() {
		require.NoError(t, c.Stop())
		dbtest.Clean(t, c.Cluster)
	}()
	old, err := c.NodeClient("n1", ClientOptions{})
	require.NoError(t, err)
	defer old.Close()
	_, err = old.Set(ctx, "k", "before")
	require.NoError(t, err)

	require.NoError(t, c.Pause("n1"))
	paused := time.Now()
	var primary string
	failover := db.Wait(ctx, "a failover", 20*time.Second, func(ctx context.Context) error {
		primary, err = c.Primary(ctx, "n2")
		if err == nil && primary == "n1" {
			return fmt.Errorf("s2 still names n1")
		}
		return err
	})
	require.NoError(t, c.Resume("n1"))
	require.NoError(t, failover)
	t.Logf("failover: s2 named %s %s after the pause", primary, time.Since(paused).Round(10*time.Millisecond))

	// Awake, n1 has not heard of the failover: it answers as the primary
	// and acknowledges writes until a Sentinel demotes it, seconds later.
	role, err := c.Role(ctx, "n1")
	require.NoError(t, err)
	assert.Equal(t, "master", role, "n1 woke believing it leads")
	_, err = old.Set(ctx, "k", "lost")
	require.NoError(t, err, "n1 acknowledges a write after the failover")
	require.NoError(t, c.WaitSettled(ctx, primary))
	t.Logf("n1 a replica of %s %s after the pause", primary, time.Since(paused).Round(10*time.Millisecond))
	cl := c.Client(ClientOptions{})
	defer cl.Close()
	v, _, err := cl.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "before", v, "what n1 acknowledged after it woke is gone")
}
