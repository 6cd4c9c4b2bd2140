package harness_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
)

func TestConfigValidation(t *testing.T) {
	for name, mut := range map[string]func(*harness.Config){
		"nodes":    func(c *harness.Config) { c.Nodes = 0 },
		"clients":  func(c *harness.Config) { c.Clients = 0 },
		"keys":     func(c *harness.Config) { c.Keys = 0 },
		"drop":     func(c *harness.Config) { c.Drop = 1 },
		"mix":      func(c *harness.Config) { c.Mix = harness.Mix{} },
		"strategy": func(c *harness.Config) { c.Strategy = "nope" },
		"skew":     func(c *harness.Config) { c.Nemesis.Skew = map[string]int64{"n9": 1} },
	} {
		cfg := harness.DefaultConfig()
		mut(&cfg)
		err := cfg.Validate()
		assert.Error(t, err, name)
		assert.Contains(t, fmt.Sprint(err), name, "the error names the setting")
	}
}

func TestValidNode(t *testing.T) {
	for _, n := range []string{"n1", "n2", "n3"} {
		assert.NoError(t, harness.ValidNode(n, 3), n)
	}
	for _, n := range []string{"n0", "n4", "n01", "n+1", "n", "1", "x1", "N1", ""} {
		assert.ErrorContains(t, harness.ValidNode(n, 3), "n1…n3", n)
	}
	cfg := harness.DefaultConfig()
	cfg.Nemesis.Skew = map[string]int64{"n4": 1}
	assert.ErrorContains(t, cfg.Validate(), "harness: skew names n4, but the nodes are n1…n3")
}

func TestParseMixReadsString(t *testing.T) {
	for _, m := range []harness.Mix{harness.DefaultConfig().Mix, {Read: 1}, {ReadWrite: 2, Delete: 7}} {
		got, err := harness.ParseMix(m.String())
		require.NoError(t, err, m.String())
		assert.Equal(t, m, got)
	}
	got, err := harness.ParseMix("rw=1, blind=2")
	require.NoError(t, err)
	assert.Equal(t, harness.Mix{ReadWrite: 1, Blind: 2}, got, "a weight left out is 0")
	for _, bad := range []string{"read=1,write=2", "read=-1", "read", "read=0,rw=0", ""} {
		_, err := harness.ParseMix(bad)
		assert.Error(t, err, bad)
	}
}

func TestReplicaCount(t *testing.T) {
	for _, c := range []struct {
		strategy        string
		nodes, replicas int
		want            int
	}{
		{"lww", 10, 0, 10}, {"vv", 10, 0, 10}, {"vv-pruned", 10, 0, 10},
		{"dvv", 10, 0, 3}, {"dvv", 2, 0, 2}, {"dvv", 10, 5, 5}, {"vv", 10, 3, 3}, {"vv", 3, 7, 3},
	} {
		cfg := harness.DefaultConfig()
		cfg.Strategy, cfg.Nodes, cfg.Replicas = c.strategy, c.nodes, c.replicas
		assert.Equal(t, c.want, cfg.ReplicaCount(), "%s on %d nodes, replicas %d", c.strategy, c.nodes, c.replicas)
	}
	cfg := harness.DefaultConfig()
	cfg.Replicas = -1
	assert.ErrorContains(t, cfg.Validate(), "replicas")
}

func TestConfigRejectsAQuorumAboveTheReplicas(t *testing.T) {
	cfg := harness.DefaultConfig()
	cfg.W = 4
	assert.ErrorContains(t, cfg.Validate(), "w is 4, but each key has only 3 replicas")
	cfg.W = -1
	assert.ErrorContains(t, cfg.Validate(), "w must not be negative")
}

func TestValidateTombstoneOffset(t *testing.T) {
	cfg := harness.DefaultConfig()
	cfg.Nemesis.TombstoneOffset = -time.Second
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tombstone offset")
}

// A script step that names a client or node the run does not have is
// refused, naming the step.
func TestCheckStepsRefusesUnknownClientsAndNodes(t *testing.T) {
	read := func(process, node string) harness.Call {
		return harness.Call{Process: process, Op: harness.Op{F: histories.Read, Key: "k1", Node: node}}
	}
	for _, c := range []struct {
		call harness.Call
		want string
	}{
		{read("c9", "n1"), `no client "c9"`},
		{read("c01", "n1"), `no client "c01"`},
		{read("c1", "n4"), `no node "n4"`},
		{read("c1", "n01"), `no node "n01"`},
	} {
		steps := []harness.Step{{Calls: []harness.Call{read("c1", "n1")}}, {Calls: []harness.Call{c.call}}}
		assert.ErrorContains(t, harness.CheckSteps(steps, 2, 3), "script step 2: "+c.want)
	}
	assert.NoError(t, harness.CheckSteps([]harness.Step{{Calls: []harness.Call{read("c2", "n3")}}}, 2, 3))
}

// A size above its bound is refused by Validate, naming the field as its
// flag does; a run whose nemesis would inject too many faults is counted.
func TestValidateBoundsTheSizes(t *testing.T) {
	cfg := harness.DefaultConfig()
	cfg.Nodes = harness.MaxNodes + 1
	var limit *harness.LimitError
	require.ErrorAs(t, cfg.Validate(), &limit)
	assert.Equal(t, "nodes", limit.Field)
	assert.Equal(t, harness.MaxNodes, limit.Max)
	cfg = harness.DefaultConfig()
	cfg.Options.Prune = harness.MaxNodes + 1
	require.ErrorAs(t, cfg.Validate(), &limit)
	assert.Equal(t, "prune", limit.Field)
	cfg = harness.DefaultConfig()
	cfg.Nodes, cfg.Ops = harness.MaxNodes, harness.MaxOps
	require.NoError(t, cfg.Validate())

	cfg = harness.DefaultConfig()
	_, few := cfg.Faults()
	cfg.Ops, cfg.Nemesis.Interval = harness.MaxOps, time.Microsecond
	length, many := cfg.Faults()
	assert.Greater(t, many, float64(harness.MaxFaults))
	assert.Less(t, few, 100.0)
	assert.Greater(t, length, time.Minute)
	cfg.Nemesis.Kinds = nil
	_, none := cfg.Faults()
	assert.Zero(t, none)
}
