package dblive

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/db/dbtest"
	"github.com/clockwise-kv/clockwise/db/etcd"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// TestEtcdRegister runs the register workload against etcd through every
// fault: the history is linearizable, every fault is applied or skipped
// with its reason, and every key is read through every member at the end.
func TestEtcdRegister(t *testing.T) {
	dbtest.Need(t, "etcd")
	ctx := context.Background()
	c, err := etcd.Start(ctx, etcd.Options{Dir: t.TempDir(), Timeout: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, c.Stop())
		dbtest.Clean(t, c.Cluster)
	})
	d, err := NewEtcd(c, EtcdOptions{Workload: harness.Register, Prefix: "t/", Timeout: time.Second})
	require.NoError(t, err)
	defer d.Close()

	cfg := harness.DefaultConfig()
	cfg.Ops, cfg.Clients, cfg.Think, cfg.Mix = 300, 3, 20*time.Millisecond, harness.Mix{Read: 1, Blind: 1}
	cfg.Nemesis.Kinds = []string{nemesis.Partition, nemesis.Skew, nemesis.Kill, nemesis.Pause}
	cfg.Nemesis.Interval = time.Second
	res, err := Run(ctx, cfg, d, Options{IsolateLeader: true})
	require.NoError(t, err)

	seen := map[string]bool{}
	finals := 0
	for _, e := range res.History {
		if e.Process == histories.Nemesis {
			seen[string(e.F)] = true
			if e.F == histories.Skipped && e.Params["fault"] == nemesis.Skew {
				assert.Contains(t, e.Error, "libfaketime cannot skew it")
			}
		}
		if e.Process == histories.Final && e.Type == histories.OK {
			finals++
		}
		if e.F == histories.Write && e.Type == histories.Invoke {
			assert.Equal(t, e.Write, e.Value, "the value written is the write's id")
		}
	}
	for _, f := range []string{"partition", "heal", "kill", "restart", "pause", "resume", "skipped"} {
		assert.True(t, seen[f], "no %s event", f)
	}
	assert.Equal(t, 3*3, finals, "every key through every member")

	r, err := checker.Check(res.History, checker.Options{Workload: checker.WorkloadRegister})
	require.NoError(t, err)
	assert.Equal(t, checker.Valid, r.Verdict, strings.Join(r.Failures, "; "))
	assert.Equal(t, checker.Answer(checker.Valid), r.Summary.Linearizable)
}
