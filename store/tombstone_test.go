package store_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/clockwise-kv/clockwise/store"
)

// tombCluster is three nodes wired by hand: messages between nodes are
// queued and delivered when the test says so.
type tombCluster struct {
	t       require.TestingT
	names   []string
	nodes   map[string]*store.Node
	queue   []store.Message // node-to-node messages in flight
	replies map[uint64]store.Message
	req     uint64
}

func newTombCluster(t require.TestingT, strategy string, syncEvery int) *tombCluster {
	c := &tombCluster{t: t, names: []string{"n1", "n2", "n3"}, nodes: map[string]*store.Node{}, replies: map[uint64]store.Message{}}
	for _, id := range c.names {
		s, err := store.New(strategy, id, store.Options{})
		require.NoError(t, err)
		var peers []string
		for _, p := range c.names {
			if p != id {
				peers = append(peers, p)
			}
		}
		n, err := store.NewNode(store.Config{ID: id, Peers: peers, Strategy: s, SyncEvery: syncEvery})
		require.NoError(t, err)
		c.nodes[id] = n
	}
	return c
}

// collect routes what node produced: replies to the test, the rest to the queue.
func (c *tombCluster) collect(node string) {
	for _, m := range c.nodes[node].Ready().Messages {
		if _, peer := c.nodes[m.To]; peer {
			c.queue = append(c.queue, m)
		} else {
			c.replies[m.ID] = m
		}
	}
}

// deliver hands the i-th queued message to its node.
func (c *tombCluster) deliver(i int, now int64) {
	m := c.queue[i]
	c.queue = append(c.queue[:i:i], c.queue[i+1:]...)
	require.NoError(c.t, c.nodes[m.To].Step(now, m))
	c.collect(m.To)
}

// drain delivers every queued message, and what they cause, in order.
func (c *tombCluster) drain(now int64) {
	for len(c.queue) > 0 {
		c.deliver(0, now)
	}
}

// request sends a client message to node at local time now and returns the
// reply, ticking the node past any commit wait.
func (c *tombCluster) request(node string, now int64, m store.Message) store.Message {
	c.req++
	m.From, m.To, m.ID = "client", node, c.req
	require.NoError(c.t, c.nodes[node].Step(now, m))
	c.collect(node)
	for wait := int64(1); c.nodes[node].Pending() > 0; wait *= 2 {
		c.nodes[node].Tick(now + wait)
		c.collect(node)
	}
	r, ok := c.replies[c.req]
	require.True(c.t, ok, "no reply from %s", node)
	require.Empty(c.t, r.Err)
	return r
}

func (c *tombCluster) get(node string, now int64) ([]store.Version, store.Context) {
	r := c.request(node, now, store.Message{Kind: store.Get, Key: "x"})
	return r.Versions, r.Context
}

func (c *tombCluster) put(node string, now int64, v store.Version, ctx store.Context) {
	c.request(node, now, store.Message{Kind: store.Put, Key: "x", Version: v, Context: ctx})
}

func ids(vs []store.Version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Write
		if v.Deleted {
			out[i] += "(deleted)"
		}
	}
	return out
}

func found(vs []store.Version) bool {
	for _, v := range vs {
		if !v.Deleted {
			return true
		}
	}
	return false
}

// A delete writes a tombstone that replicates like any version; a read that
// finds only the tombstone means "not found" yet returns a context, and a
// write with that context replaces the tombstone, under every strategy.
func TestDeleteEveryStrategy(t *testing.T) {
	for _, name := range store.Names() {
		t.Run(name, func(t *testing.T) {
			c := newTombCluster(t, name, 0)
			const s = int64(1_000_000_000_000)
			c.put("n1", s+1_000, store.Version{Write: "w1", Value: "a"}, store.Context{})
			c.drain(s + 2_000)
			vs, ctx := c.get("n2", s+3_000)
			require.Equal(t, []string{"w1"}, ids(vs))

			c.put("n2", s+4_000, store.Version{Write: "d2", Deleted: true}, ctx)
			c.drain(s + 5_000)
			for _, n := range c.names {
				vs, ctx := c.get(n, s+6_000)
				assert.Equal(t, []string{"d2(deleted)"}, ids(vs), "node %s holds the tombstone", n)
				assert.False(t, found(vs), "node %s: a read of only tombstones is not found", n)
				assert.NotEqual(t, store.Context{}, ctx, "node %s: not found still returns a context", n)
			}

			_, ctx = c.get("n3", s+7_000)
			c.put("n3", s+8_000, store.Version{Write: "w3", Value: "c"}, ctx)
			c.drain(s + 9_000)
			for _, n := range c.names {
				vs, _ := c.get(n, s+10_000)
				assert.Equal(t, []string{"w3"}, ids(vs), "node %s: the write that read the tombstone replaces it", n)
				assert.True(t, c.nodes[n].Object("x").Equal(c.nodes["n1"].Object("x")), "node %s agrees with n1", n)
			}
		})
	}
}

// Tombstones converge: whatever order puts, deletes (some stamped an hour
// ahead) and replication messages take, and whichever messages are lost,
// anti-entropy leaves every replica with the same versions of the key,
// under every strategy.
func TestTombstonesConvergeEveryStrategy(t *testing.T) {
	const hour = int64(3_600_000_000_000)
	for _, name := range store.Names() {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				c := newTombCluster(rt, name, 1)
				now := int64(1_000_000_000_000)
				var ctxs []store.Context
				written := map[string]bool{}
				steps := rapid.IntRange(1, 25).Draw(rt, "steps")
				for i := range steps {
					now += 1_000
					node := rapid.SampledFrom(c.names).Draw(rt, "node")
					switch op := rapid.IntRange(0, 4).Draw(rt, "op"); {
					case op == 0 && len(c.queue) > 0:
						c.deliver(rapid.IntRange(0, len(c.queue)-1).Draw(rt, "msg"), now)
					case op == 1 && len(c.queue) > 0:
						c.queue = c.queue[1:] // lost on the network
					case op == 2:
						_, ctx := c.get(node, now)
						ctxs = append(ctxs, ctx)
					default:
						var ctx store.Context
						if len(ctxs) > 0 && rapid.Bool().Draw(rt, "afterRead") {
							ctx = ctxs[rapid.IntRange(0, len(ctxs)-1).Draw(rt, "ctx")]
						}
						del := rapid.Bool().Draw(rt, "delete")
						v := store.Version{Write: fmt.Sprintf("w%d", i), Value: fmt.Sprint(i), Deleted: del}
						at := now
						if del && rapid.Bool().Draw(rt, "farFuture") {
							at += hour
						}
						c.put(node, at, v, ctx)
						written[v.Write] = true
					}
				}
				// Heal: deliver what is in flight, then anti-entropy rounds.
				for round := 0; round < 8; round++ {
					now += 1_000
					c.drain(now)
					for _, n := range c.names {
						c.nodes[n].Tick(now)
						c.collect(n)
					}
				}
				c.drain(now)
				first := c.nodes["n1"].Object("x")
				for _, n := range c.names {
					obj := c.nodes[n].Object("x")
					require.True(rt, obj.Equal(first), "%s holds %v, n1 holds %v", n, obj, first)
					for _, v := range obj.Versions() {
						require.True(rt, written[v.Write], "%s holds %s, which nobody wrote", n, v.Write)
					}
				}
			})
		})
	}
}
