package tests

import (
	"context"
	"testing"
	"time"

	"github.com/clockwise-kv/clockwise/harness/live"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// Real processes, real sockets, the machine's clock with n1 set 5s behind:
// lww loses acknowledged writes, some of them to skew itself.
func TestLocalLWWLosesWritesUnderSkew(t *testing.T) {
	cfg := config("lww", 1000, nemesis.Skew)
	cfg.Nemesis.Skew = map[string]int64{"n1": int64(-5 * time.Second)}
	l := local(t, cfg)
	res, err := live.Run(context.Background(), cfg, l, nil, live.Options{})
	require.NoError(t, err)
	assert.True(t, res.Converged)
	v := judge(t, res.History)
	assert.False(t, v.Valid)
	assert.Positive(t, v.Summary.Lost)
	assert.Positive(t, v.Summary.Inverted, "lost writes stamped below a write they follow: %+v", v.Summary)
	t.Logf("lww: %d of %d acknowledged writes lost, %d to skew; %d faults; %v", v.Summary.Lost, v.Summary.Acknowledged, v.Summary.Inverted, v.Summary.Faults, res.Duration)
}

// vv under skew, strobe and partitions on real sockets keeps every
// acknowledged write.
func TestLocalVVKeepsEveryWrite(t *testing.T) {
	cfg := config("vv", 1500, nemesis.Skew, nemesis.Strobe, nemesis.Partition)
	l := local(t, cfg)
	res, err := live.Run(context.Background(), cfg, l, nil, live.Options{})
	require.NoError(t, err)
	assert.True(t, res.Converged)
	v := judge(t, res.History)
	assert.True(t, v.Valid, "%v", v.Failures)
	assert.Positive(t, v.Summary.Acknowledged)
	kinds := map[histories.Func]int{}
	for _, f := range v.Faults {
		kinds[f.F]++
	}
	assert.Positive(t, kinds[nemesis.Partition], "%v", kinds)
	assert.Positive(t, kinds[nemesis.Skew]+kinds[nemesis.Strobe], "%v", kinds)
	assert.Zero(t, kinds[live.Skipped], "a local cluster takes every fault: %v", kinds)
	assert.Contains(t, l.Describe(), "TCP proxies on every peer link")
	t.Logf("vv: %d acknowledged, %d indeterminate, %d failed; faults %v; %v", v.Summary.Acknowledged, v.Summary.Indeterminate, v.Summary.Failed, kinds, res.Duration)
}
