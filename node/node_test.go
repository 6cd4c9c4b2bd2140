package node_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/node"
	"github.com/clockwise-kv/clockwise/node/nodetest"
	"github.com/clockwise-kv/clockwise/protocol"
)

// cluster starts n in-process nodes and returns a client of each, n1
// first; they stop when the test ends.
func cluster(t *testing.T, strategy string, n int, tweak func(*node.Config)) []*protocol.Client {
	t.Helper()
	var cs []*protocol.Client
	for _, u := range nodetest.Start(t, strategy, n, tweak) {
		c, err := protocol.NewClient(u, nil)
		require.NoError(t, err)
		cs = append(cs, c)
	}
	return cs
}

func ids(vs []histories.Version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Write
	}
	return out
}

func TestWriteReadSiblingsOverwriteDelete(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		strategy string
		siblings bool
	}{{"vv", true}, {"dvv", true}, {"lww", false}, {"lamport", false}} {
		t.Run(tc.strategy, func(t *testing.T) {
			c := cluster(t, tc.strategy, 1, nil)[0]
			info, err := c.Info(ctx)
			require.NoError(t, err)
			assert.Equal(t, tc.siblings, info.Siblings)
			assert.Equal(t, protocol.V1, info.Protocol)

			r, err := c.Get(ctx, "k")
			require.NoError(t, err)
			assert.Empty(t, r.Versions)
			assert.NotNil(t, r.Versions, "versions is a list, never null")

			w, err := c.Put(ctx, "k", protocol.Put{Write: "w1", Value: "one"})
			require.NoError(t, err)
			require.NotNil(t, w.Meta)
			r, err = c.Get(ctx, "k")
			require.NoError(t, err)
			assert.Equal(t, []histories.Version{{Write: "w1", Value: "one"}}, r.Versions)

			_, err = c.Put(ctx, "k", protocol.Put{Write: "w2", Value: "two"}) // blind
			require.NoError(t, err)
			r, err = c.Get(ctx, "k")
			require.NoError(t, err)
			if tc.siblings {
				assert.ElementsMatch(t, []string{"w1", "w2"}, ids(r.Versions))
			} else {
				assert.Len(t, r.Versions, 1)
			}

			_, err = c.Put(ctx, "k", protocol.Put{Write: "w3", Value: "three", Context: r.Context})
			require.NoError(t, err)
			r, err = c.Get(ctx, "k")
			require.NoError(t, err)
			assert.Equal(t, []string{"w3"}, ids(r.Versions), "a write with the read's context replaces what it read")

			_, err = c.Delete(ctx, "k", protocol.Delete{Write: "d4", Context: r.Context})
			require.NoError(t, err)
			r, err = c.Get(ctx, "k")
			require.NoError(t, err)
			assert.Equal(t, []histories.Version{{Write: "d4", Deleted: true}}, r.Versions)
		})
	}
}

func TestWritesReplicateAndConverge(t *testing.T) {
	ctx := context.Background()
	cs := cluster(t, "vv", 3, nil)
	_, err := cs[0].Put(ctx, "a/b c", protocol.Put{Write: "w1", Value: "x"})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return converged(t, cs, "a/b c") }, 5*time.Second, 10*time.Millisecond)
	r, err := cs[2].Get(ctx, "a/b c")
	require.NoError(t, err)
	assert.Equal(t, []string{"w1"}, ids(r.Versions))
}

// converged reports whether every node holds key with the same digest and
// nothing is pending.
func converged(t *testing.T, cs []*protocol.Client, key string) bool {
	var first string
	for i, c := range cs {
		st, err := c.State(context.Background())
		require.NoError(t, err)
		d, ok := st.Keys[key]
		if !ok || st.Pending > 0 || (i > 0 && d != first) {
			return false
		}
		first = d
	}
	return true
}

// GET /admin/state?prefix=P reports only the keys that begin with P.
func TestStatePrefix(t *testing.T) {
	ctx := context.Background()
	c := cluster(t, "vv", 1, nil)[0]
	for _, k := range []string{"run-a:k1", "run-a:k2", "run-b:k1", "k1"} {
		_, err := c.Put(ctx, k, protocol.Put{Write: k + "-w", Value: "v"})
		require.NoError(t, err)
	}
	resp, err := http.Get(c.URL() + "/admin/state?prefix=run-a%3A")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var st protocol.State
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	assert.ElementsMatch(t, []string{"run-a:k1", "run-a:k2"}, slices.Collect(maps.Keys(st.Keys)))
	all, err := c.State(ctx)
	require.NoError(t, err)
	assert.Len(t, all.Keys, 4)
	assert.Equal(t, all.Keys["run-a:k1"], st.Keys["run-a:k1"])
}

func TestBlockedPeersGetNothing(t *testing.T) {
	ctx := context.Background()
	cs := cluster(t, "vv", 2, nil)
	require.NoError(t, cs[0].Block(ctx, []string{"n2"}))
	require.NoError(t, cs[1].Block(ctx, []string{"n1"}))
	b, err := cs[0].Blocked(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"n2"}, b)

	_, err = cs[0].Put(ctx, "k", protocol.Put{Write: "w1", Value: "1"})
	require.NoError(t, err)
	time.Sleep(150 * time.Millisecond) // several anti-entropy rounds
	r, err := cs[1].Get(ctx, "k")
	require.NoError(t, err)
	assert.Empty(t, r.Versions, "n2 is cut off from n1")

	require.NoError(t, cs[0].Block(ctx, nil))
	require.NoError(t, cs[1].Block(ctx, nil))
	require.Eventually(t, func() bool { return converged(t, cs, "k") }, 5*time.Second, 10*time.Millisecond)

	err = cs[0].Block(ctx, []string{"n9"})
	require.Error(t, err)
	assert.True(t, protocol.Failed(err), "an unknown peer is a bad request: %v", err)
}

func TestPeerEndpointRefusesABlockedPeer(t *testing.T) {
	ctx := context.Background()
	cs := cluster(t, "vv", 2, nil)
	require.NoError(t, cs[1].Block(ctx, []string{"n1"}))
	resp, err := http.Post(cs[1].URL()+"/internal/v1/messages", "application/json",
		strings.NewReader(`[{"kind":"replicate","from":"n1","to":"n2","objects":[]}]`))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestClockOffsetStampsWrites(t *testing.T) {
	ctx := context.Background()
	c := cluster(t, "lww", 1, nil)[0]
	require.NoError(t, c.SetClock(ctx, protocol.Clock{OffsetNS: int64(time.Hour)}))
	st, err := c.Clock(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(time.Hour), st.OffsetNS)
	assert.InDelta(t, float64(time.Now().Add(time.Hour).UnixNano()), float64(st.NowNS), float64(time.Second))

	w, err := c.Put(ctx, "k", protocol.Put{Write: "w1", Value: "1"})
	require.NoError(t, err)
	assert.InDelta(t, float64(time.Now().Add(time.Hour).UnixNano()), float64(w.Meta.TS), float64(time.Second), "stamped an hour ahead")

	require.NoError(t, c.SetClock(ctx, protocol.Clock{}))
	w, err = c.Put(ctx, "k", protocol.Put{Write: "w2", Value: "2"})
	require.NoError(t, err)
	assert.InDelta(t, float64(time.Now().UnixNano()), float64(w.Meta.TS), float64(time.Second), "back on true time")

	err = c.SetClock(ctx, protocol.Clock{StrobeNS: 1000})
	assert.True(t, protocol.Failed(err), "a strobe without a period: %v", err)
}

// With W=2 and its only peer blocked, a write cannot reach its quorum:
// the node answers 504 (outcome unknown) and the client records info.
func TestQuorumUnreachedTimesOut(t *testing.T) {
	ctx := context.Background()
	cs := cluster(t, "vv", 2, func(c *node.Config) { c.W, c.Timeout = 2, 200*time.Millisecond })
	_, err := cs[0].Put(ctx, "k", protocol.Put{Write: "w1", Value: "1"})
	require.NoError(t, err, "both replicas up: acknowledged")

	require.NoError(t, cs[0].Block(ctx, []string{"n2"}))
	_, err = cs[0].Put(ctx, "k", protocol.Put{Write: "w2", Value: "2"})
	var se *protocol.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusGatewayTimeout, se.Code)
	assert.True(t, se.JSON)
	assert.False(t, protocol.Failed(err), "a timeout's outcome is unknown")
}

func TestNewRejectsBadConfigs(t *testing.T) {
	for _, tc := range []struct {
		cfg  node.Config
		want string
	}{
		{node.Config{Strategy: "vv"}, "needs an id"},
		{node.Config{ID: "n1", Strategy: "nope"}, "unknown strategy"},
		{node.Config{ID: "n1", Strategy: "vv", Peers: map[string]string{"n1": "x:1"}}, "cannot name a peer"},
		{node.Config{ID: "n1", Strategy: "vv", Peers: map[string]string{"n2": ""}}, "no address"},
		{node.Config{ID: "n1", Strategy: "vv", Peers: map[string]string{"n2": "x:1"}, W: 3}, "W=3"},
	} {
		_, err := node.New(tc.cfg)
		assert.ErrorContains(t, err, tc.want)
	}
}
