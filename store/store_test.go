package store

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// net is a tiny synchronous network of nodes for tests: every message is
// delivered at once, clocks are fixed offsets from a shared true time.
type net struct {
	t       *testing.T
	nodes   map[string]*Node
	offset  map[string]int64
	now     int64
	replies map[string]Message // client → last reply
	hold    bool               // keep node-to-node messages instead of delivering them
	held    []Message
}

func newNet(t *testing.T, strategy string, ids ...string) *net {
	n := &net{t: t, nodes: map[string]*Node{}, offset: map[string]int64{}, replies: map[string]Message{}}
	for _, id := range ids {
		var peers []string
		for _, p := range ids {
			if p != id {
				peers = append(peers, p)
			}
		}
		s, err := New(strategy, id, Options{})
		require.NoError(t, err)
		node, err := NewNode(Config{ID: id, Peers: peers, Strategy: s})
		require.NoError(t, err)
		n.nodes[id] = node
	}
	return n
}

func (n *net) clock(id string) int64 { return 1_000_000_000_000 + n.now + n.offset[id] }

func (n *net) step(to string, m Message) {
	n.t.Helper()
	require.NoError(n.t, n.nodes[to].Step(n.clock(to), m))
	n.pump(to)
}

func (n *net) pump(from string) {
	for _, m := range n.nodes[from].Ready().Messages {
		if _, ok := n.nodes[m.To]; !ok {
			n.replies[m.To] = m
			continue
		}
		if n.hold {
			n.held = append(n.held, m)
			continue
		}
		n.step(m.To, m)
	}
}

func (n *net) release() {
	held := n.held
	n.held, n.hold = nil, false
	for _, m := range held {
		n.step(m.To, m)
	}
}

// settle lets local time pass and ticks every node, so commit waits end.
func (n *net) settle() {
	n.now += int64(100 * time.Millisecond)
	for _, id := range slices.Sorted(maps.Keys(n.nodes)) {
		n.nodes[id].Tick(n.clock(id))
		n.pump(id)
	}
}

func (n *net) get(client, node, key string) Message {
	n.now += int64(time.Millisecond)
	n.step(node, Message{Kind: Get, From: client, To: node, Key: key})
	return n.replies[client]
}

func (n *net) put(client, node, key, id, value string, ctx Context) Message {
	n.now += int64(time.Millisecond)
	n.step(node, Message{Kind: Put, From: client, To: node, Key: key, Version: Version{Write: id, Value: value}, Context: ctx})
	n.settle()
	return n.replies[client]
}

func ids(vs []Version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Write
	}
	return out
}

func TestHappensBeforeCollapses(t *testing.T) {
	for _, strategy := range []string{"lww", "vv"} {
		t.Run(strategy, func(t *testing.T) {
			n := newNet(t, strategy, "n1", "n2", "n3")
			n.put("c1", "n1", "x", "w1", "a", Context{})
			r := n.get("c2", "n2", "x")
			require.Equal(t, []string{"w1"}, ids(r.Versions))
			n.put("c2", "n2", "x", "w2", "b", r.Context)
			for _, id := range []string{"n1", "n2", "n3"} {
				assert.Equal(t, []string{"w2"}, ids(n.get("c3", id, "x").Versions), "on %s", id)
			}
		})
	}
}

func TestConcurrentWritesAreSiblingsUnderVV(t *testing.T) {
	n := newNet(t, "vv", "n1", "n2", "n3")
	n.hold = true // the two writes cross in flight
	n.put("c1", "n1", "y", "w3", "c", Context{})
	n.put("c2", "n2", "y", "w4", "d", Context{})
	n.release()
	for _, id := range []string{"n1", "n2", "n3"} {
		r := n.get("c3", id, "y")
		assert.ElementsMatch(t, []string{"w3", "w4"}, ids(r.Versions), "on %s", id)
	}
	// A write that read both siblings replaces them.
	r := n.get("c1", "n3", "y")
	n.put("c1", "n3", "y", "w5", "e", r.Context)
	assert.Equal(t, []string{"w5"}, ids(n.get("c2", "n1", "y").Versions))
}

func TestLWWWithSkewLosesTheCausallyNewerWrite(t *testing.T) {
	n := newNet(t, "lww", "n1", "n2", "n3")
	n.offset["n1"] = int64(5 * time.Second)
	ack1 := n.put("c1", "n1", "x", "w1", "a", Context{})
	r := n.get("c2", "n2", "x")
	require.Equal(t, []string{"w1"}, ids(r.Versions))
	ack2 := n.put("c2", "n2", "x", "w2", "b", r.Context)
	require.Empty(t, ack2.Err, "the newer write is acknowledged")
	assert.Less(t, ack2.Meta.TS, ack1.Meta.TS, "the slower clock stamps the newer write lower")
	for _, id := range []string{"n1", "n2", "n3"} {
		assert.Equal(t, []string{"w1"}, ids(n.get("c3", id, "x").Versions), "on %s the older write survives", id)
	}
}

func TestLWWDropsConcurrentWritesButVVKeepsThem(t *testing.T) {
	for strategy, want := range map[string]int{"lww": 1, "vv": 2} {
		n := newNet(t, strategy, "n1", "n2")
		n.hold = true
		n.put("c1", "n1", "y", "w1", "a", Context{})
		n.put("c2", "n2", "y", "w2", "b", Context{})
		n.release()
		assert.Len(t, n.get("c3", "n1", "y").Versions, want, strategy)
		assert.Equal(t, n.nodes["n1"].Object("y"), n.nodes["n2"].Object("y"), "%s replicas agree", strategy)
	}
}

func TestVVKeepsStaleSiblingUnderFalseConcurrency(t *testing.T) {
	// c1 read w1 on n1; meanwhile w2 reached n2 concurrently. c1's write
	// through n2 does not descend n2's clock, so w1 stays next to w3 although
	// w3 follows it: the stale sibling the object-level clock cannot avoid.
	n := newNet(t, "vv", "n1", "n2")
	n.hold = true
	n.put("c1", "n1", "x", "w1", "a", Context{})
	n.put("c2", "n2", "x", "w2", "b", Context{})
	r := n.get("c1", "n1", "x")
	require.Equal(t, []string{"w1"}, ids(r.Versions))
	n.release()
	n.put("c1", "n2", "x", "w3", "c", r.Context)
	assert.Equal(t, []string{"w1", "w2", "w3"}, ids(n.get("c3", "n1", "x").Versions))
}

func TestDeleteIsATombstoneVersion(t *testing.T) {
	for _, strategy := range Names() {
		t.Run(strategy, func(t *testing.T) {
			n := newNet(t, strategy, "n1", "n2")
			n.put("c1", "n1", "x", "w1", "a", Context{})
			r := n.get("c1", "n1", "x")
			n.now += int64(time.Millisecond)
			n.step("n1", Message{Kind: Put, From: "c1", To: "n1", Key: "x", Version: Version{Write: "d2", Deleted: true}, Context: r.Context})
			n.settle()
			got := n.get("c2", "n2", "x")
			require.Len(t, got.Versions, 1)
			assert.True(t, got.Versions[0].Deleted)
			assert.Equal(t, "d2", got.Versions[0].Write)
		})
	}
}

func TestSyncConvergesAfterLostMessages(t *testing.T) {
	for _, strategy := range Names() {
		t.Run(strategy, func(t *testing.T) {
			n := newNet(t, strategy, "n1", "n2", "n3")
			for id, node := range n.nodes {
				node.syncEvery = 1
				_ = id
			}
			n.hold = true
			n.put("c1", "n1", "x", "w1", "a", Context{})
			n.put("c2", "n2", "x", "w2", "b", Context{})
			n.put("c3", "n3", "z", "w3", "c", Context{})
			n.held = nil // every replication message is lost
			n.hold = false
			for range 3 {
				for _, id := range []string{"n1", "n2", "n3"} {
					n.nodes[id].Tick(n.clock(id))
					n.pump(id)
				}
			}
			for _, key := range []string{"x", "z"} {
				assert.True(t, n.nodes["n1"].Object(key).Equal(n.nodes["n2"].Object(key)), "n1 and n2 agree on %s", key)
				assert.True(t, n.nodes["n1"].Object(key).Equal(n.nodes["n3"].Object(key)), "n1 and n3 agree on %s", key)
			}
		})
	}
}

func TestMalformedRequestsAreAnsweredWithAnError(t *testing.T) {
	n := newNet(t, "vv", "n1")
	node := n.nodes["n1"]
	for _, m := range []Message{
		{Kind: Get, From: "c1", To: "n1"},
		{Kind: Put, From: "c1", To: "n1", Key: "x"},
	} {
		err := node.Step(0, m)
		require.Error(t, err)
		out := node.Ready().Messages
		require.Len(t, out, 1)
		assert.Equal(t, Reply, out[0].Kind)
		assert.NotEmpty(t, out[0].Err)
	}
	require.Error(t, node.Step(0, Message{Kind: "bogus", From: "n2"}))
	_, err := New("nope", "n1", Options{})
	require.ErrorContains(t, err, "unknown strategy")
	for _, name := range Names() {
		require.NoError(t, Valid(name))
	}
	require.ErrorContains(t, Valid("nope"), `store: unknown strategy "nope" (known: dvv, lamport, lww`)
}
