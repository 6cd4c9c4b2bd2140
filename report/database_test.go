package report

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/historytest"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

func TestRunHeadNamesTheDatabaseAndWorkload(t *testing.T) {
	ri := runs.Info{Strategy: "redis", Nemesis: "partition", Seed: 1, Nodes: 3, Clients: 5, Keys: 3, Ops: 1500,
		Cluster: "redis", Workload: "set", Wall: 31599 * time.Millisecond, Converged: true}
	head := RunHead(ri)
	assert.Equal(t, "clockwise: database redis (3 servers, 3 Sentinels), workload set, nemesis partition, seed 1", head[0])
	assert.Equal(t, "5 clients, 3 keys, 1500 ops; 31.599s against the database, replicas converged", head[1])
	assert.NotContains(t, strings.Join(head, "\n"), "strategy")

	ri.Strategy, ri.Cluster, ri.Workload = "etcd", "etcd", "register"
	assert.Equal(t, "clockwise: database etcd (3 members), workload register, nemesis partition, seed 1", RunHead(ri)[0])
	ri.Nodes, ri.Cluster = 2, "etcd http://10.0.0.1:2379,http://10.0.0.2:2379"
	assert.Equal(t, "etcd (2 members at http://10.0.0.1:2379,http://10.0.0.2:2379)", Database(ri))

	local := runs.Info{Strategy: "lww", Nemesis: "skew", Seed: 1, Nodes: 3, Cluster: "local"}
	assert.Empty(t, Database(local), "clockwise's own nodes are no database")
	assert.Equal(t, "clockwise: strategy lww, nemesis skew, seed 1", RunHead(local)[0])
}

// setRun is a set workload's history with one acknowledged write absent
// from the final reads.
func setRun(t *testing.T) *checker.Result {
	t.Helper()
	b := new(historytest.Builder)
	b.Op(historytest.Op{Process: "c1", Key: "s", Node: "n1", ID: "w1", Start: 1000, End: 2000})
	b.Op(historytest.Op{Process: "c1", Key: "s", Node: "n1", ID: "w2", Start: 2000, End: 3000})
	for i, n := range []string{"n1", "n2", "n3"} {
		b.Op(historytest.Op{Process: histories.Final, F: histories.Read, Key: "s", Node: n,
			Read: historytest.Versions("w1"), Start: int64(10000 + 2000*i), End: int64(11000 + 2000*i)})
	}
	res, err := checker.Check(b.History(), checker.Options{Workload: checker.WorkloadSet})
	require.NoError(t, err)
	return res
}

func TestSetWorkloadIsNotJudgedLinearizable(t *testing.T) {
	res := setRun(t)
	want := "INVALID: 1 of 2 acknowledged writes lost (50%): absent from every final read of its set"
	assert.Equal(t, want, Headline(res))

	var text strings.Builder
	require.NoError(t, WriteText(&text, res, 0))
	assert.Contains(t, text.String(), want+"\n", "report.txt's headline is the brief's")
	assert.Contains(t, text.String(), "linearizable: not judged: a set is not a register")
	assert.NotContains(t, text.String(), "linearizable: yes")
	assert.NotContains(t, text.String(), "sibling preservation", "a set keeps no siblings")

	var brief strings.Builder
	require.NoError(t, WriteBrief(&brief, Brief{Result: res, Width: 200}))
	assert.Contains(t, brief.String(), want)
	assert.Contains(t, brief.String(), "linearizable: not judged: a set is not a register")
	assert.NotContains(t, brief.String(), "linearizable: yes")

	reg, err := checker.Check(new(historytest.Builder).Write("c1", "x", "n1", "w1", nil, histories.OK, 0).Final("x", "w1").History(),
		checker.Options{Workload: checker.WorkloadRegister})
	require.NoError(t, err)
	text.Reset()
	require.NoError(t, WriteText(&text, reg, 0))
	assert.Contains(t, text.String(), "linearizable: yes", "a register is judged")
}
