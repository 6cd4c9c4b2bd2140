package store

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func durableNode(t require.TestingT, strategy, id string, peers []string, w int) *Node {
	s, err := New(strategy, id, Options{})
	require.NoError(t, err)
	n, err := NewNode(Config{ID: id, Peers: peers, Strategy: s, SyncEvery: 1, W: w, Durable: true})
	require.NoError(t, err)
	return n
}

func TestReadyHandsOverEachChangedObjectOnceWithTheMessagesThatTellOfIt(t *testing.T) {
	n := durableNode(t, "vv", "n1", []string{"n2"}, 1)
	require.NoError(t, n.Step(1, Message{Kind: Put, From: "c1", ID: 1, Key: "x", Version: ver("w1")}))
	require.NoError(t, n.Step(2, Message{Kind: Put, From: "c1", ID: 2, Key: "x", Version: ver("w2")}))
	require.NoError(t, n.Step(3, Message{Kind: Put, From: "c1", ID: 3, Key: "y", Version: ver("w3")}))
	rd := n.Ready()
	require.Len(t, rd.Objects, 2, "x once, y once")
	assert.Equal(t, "x", rd.Objects[0].Key)
	assert.Equal(t, []string{"w1", "w2"}, writes(rd.Objects[0].Object), "x as it is now, both writes")
	assert.Equal(t, "y", rd.Objects[1].Key)
	assert.Len(t, rd.Messages, 6, "three replies and three replications")

	rd = n.Ready()
	assert.Empty(t, rd.Objects, "nothing changed since")
	assert.Empty(t, rd.Messages)

	// A read changes nothing; a replicated object does.
	require.NoError(t, n.Step(4, Message{Kind: Get, From: "c1", ID: 4, Key: "x"}))
	assert.Empty(t, n.Ready().Objects)
	require.NoError(t, n.Step(5, Message{Kind: Replicate, From: "n2", ID: 9, Objects: []Keyed{{"z", Object{Siblings: []Sibling{{Version: ver("w9")}}}}}}))
	rd = n.Ready()
	require.Len(t, rd.Objects, 1)
	assert.Equal(t, "z", rd.Objects[0].Key)
	require.Len(t, rd.Messages, 1)
	assert.Equal(t, Stored, rd.Messages[0].Kind, "the Stored goes out with the object to save first")
}

func TestReadyOfANodeThatIsNotDurableHasNoObjects(t *testing.T) {
	s, err := New("vv", "n1", Options{})
	require.NoError(t, err)
	n, err := NewNode(Config{ID: "n1", Strategy: s})
	require.NoError(t, err)
	require.NoError(t, n.Step(1, Message{Kind: Put, From: "c1", ID: 1, Key: "x", Version: ver("w1")}))
	rd := n.Ready()
	assert.Nil(t, rd.Objects)
	assert.Len(t, rd.Messages, 1)
}

func TestRestoredNodeKeepsWhatItToldOfAndNeverReusesADot(t *testing.T) {
	for _, strategy := range []string{"vv", "dvv", "lamport", "lww"} {
		t.Run(strategy, func(t *testing.T) {
			n := durableNode(t, strategy, "n1", nil, 1)
			require.NoError(t, n.Step(1, Message{Kind: Put, From: "c1", ID: 1, Key: "x", Version: ver("w1")}))
			saved := n.Ready().Objects

			back := durableNode(t, strategy, "n1", nil, 1)
			require.NoError(t, back.Restore(saved))
			assert.Equal(t, []string{"x"}, back.Keys())
			assert.True(t, n.Object("x").Equal(back.Object("x")))
			assert.Empty(t, back.Ready().Objects, "what was restored is saved already")

			// A blind write after the restart must not look older than w1.
			require.NoError(t, back.Step(2, Message{Kind: Put, From: "c1", ID: 2, Key: "x", Version: ver("w2")}))
			got := writes(back.Object("x"))
			assert.Contains(t, got, "w2")
			if strategy == "vv" || strategy == "dvv" {
				assert.Equal(t, []string{"w1", "w2"}, got, "two blind writes are siblings")
			}
		})
	}
}

func TestRestoreRefusesANodeThatHasRun(t *testing.T) {
	n := durableNode(t, "vv", "n1", nil, 1)
	n.Tick(1)
	assert.ErrorContains(t, n.Restore(nil), "already run")
	m := durableNode(t, "vv", "n1", nil, 1)
	assert.ErrorContains(t, m.Restore([]Keyed{{Object: Object{}}}), "without a key")
}

// A node restored from every object its Readys handed over holds what the
// node held, after any sequence of writes, replications and syncs.
func TestRestoreFromReadyObjectsGivesTheSameStore(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		strategy := rapid.SampledFrom([]string{"vv", "dvv", "lamport", "lww", "vv-pruned"}).Draw(t, "strategy")
		a := durableNode(t, strategy, "n1", []string{"n2"}, 1)
		b := durableNode(t, strategy, "n2", []string{"n1"}, 1)
		saved := map[string]Object{}
		var order []string
		save := func() {
			rd := a.Ready()
			for _, k := range rd.Objects {
				if _, ok := saved[k.Key]; !ok {
					order = append(order, k.Key)
				}
				saved[k.Key] = k.Object
			}
			for _, m := range rd.Messages {
				if m.To == "n2" && rapid.Bool().Draw(t, "deliver") {
					require.NoError(t, b.Step(0, m))
				}
			}
		}
		steps := rapid.IntRange(1, 30).Draw(t, "steps")
		for i := range steps {
			now := int64(i + 1)
			key := fmt.Sprintf("k%d", rapid.IntRange(1, 3).Draw(t, "key"))
			w := fmt.Sprintf("w%d", i)
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0:
				require.NoError(t, a.Step(now, Message{Kind: Put, From: "c", ID: uint64(i), Key: key, Version: ver(w)}))
			case 1:
				require.NoError(t, b.Step(now, Message{Kind: Put, From: "c", ID: uint64(i), Key: key, Version: ver(w)}))
				for _, m := range b.Ready().Messages {
					if m.To == "n1" {
						require.NoError(t, a.Step(now, m))
					}
				}
			case 2:
				a.Tick(now)
			case 3:
				b.Tick(now)
				for _, m := range b.Ready().Messages {
					if m.To == "n1" {
						require.NoError(t, a.Step(now, m))
					}
				}
			}
			save()
		}
		objs := make([]Keyed, 0, len(order))
		for _, k := range order {
			objs = append(objs, Keyed{k, saved[k]})
		}
		back := durableNode(t, strategy, "n1", []string{"n2"}, 1)
		require.NoError(t, back.Restore(objs))
		require.Equal(t, a.Keys(), back.Keys())
		for _, k := range a.Keys() {
			require.True(t, a.Object(k).Equal(back.Object(k)), "key %s: %+v, restored %+v", k, a.Object(k), back.Object(k))
		}
	})
}

func writes(o Object) []string {
	out := make([]string, len(o.Siblings))
	for i, s := range o.Siblings {
		out[i] = s.Write
	}
	return out
}

// An anti-entropy round that changes nothing gives nothing to save.
func TestSyncThatChangesNothingSavesNothing(t *testing.T) {
	a := durableNode(t, "vv", "n1", []string{"n2"}, 1)
	b := durableNode(t, "vv", "n2", []string{"n1"}, 1)
	require.NoError(t, a.Step(1, Message{Kind: Put, From: "c1", ID: 1, Key: "x", Version: ver("w1")}))
	for _, m := range a.Ready().Messages {
		if m.To == "n2" {
			require.NoError(t, b.Step(1, m))
		}
	}
	assert.Len(t, b.Ready().Objects, 1, "the replicated write is saved")
	a.Tick(2) // SyncEvery 1: a round to n2, digest first
	from, to := a, b
	msgs := from.Ready().Messages
	require.NotEmpty(t, msgs)
	require.Equal(t, Digest, msgs[0].Kind)
	for len(msgs) > 0 { // the round to its end, back and forth
		for _, m := range msgs {
			require.NoError(t, to.Step(2, m))
		}
		rd := to.Ready()
		assert.Empty(t, rd.Objects, "%s already held everything: nothing to save", to.ID())
		msgs = rd.Messages
		from, to = to, from
	}
	assert.Empty(t, from.Ready().Objects)
}
