package live_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/live"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
	"github.com/clockwise-kv/clockwise/node/nodetest"
)

// realConfig is a short real run: 3 nodes, 4 clients, 3 keys.
func realConfig(strategy string, ops int, kinds ...string) harness.Config {
	cfg := harness.DefaultConfig()
	cfg.Strategy, cfg.Ops, cfg.Clients, cfg.Seed = strategy, ops, 4, 7
	cfg.Think = 2 * time.Millisecond
	cfg.Nemesis.Kinds = kinds
	cfg.Nemesis.Interval = 100 * time.Millisecond
	cfg.Converge = 10 * time.Second
	return cfg
}

// runRemote drives in-process nodes as a remote cluster.
func runRemote(t *testing.T, cfg harness.Config) (*harness.Result, *checker.Result, []byte) {
	t.Helper()
	urls := nodetest.Start(t, cfg.Strategy, 3, nil)
	target, err := live.DialRemote(context.Background(), urls, "")
	require.NoError(t, err)
	var buf bytes.Buffer
	res, err := live.Run(context.Background(), cfg, target, nil, live.Options{Sink: histories.NewWriter(&buf)})
	require.NoError(t, err)
	h, err := histories.Decode(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err, "the streamed history reads back")
	require.Equal(t, len(res.History), len(h))
	v, err := checker.Check(res.History, checker.Options{})
	require.NoError(t, err)
	return res, v, buf.Bytes()
}

func TestRealRemoteVVKeepsEveryWrite(t *testing.T) {
	res, v, _ := runRemote(t, realConfig("vv", 1500, nemesis.Skew, nemesis.Partition))
	assert.True(t, res.Converged)
	assert.True(t, v.Valid, "%v", v.Failures)
	assert.Positive(t, v.Summary.Acknowledged)
	assert.Positive(t, v.Summary.Faults)
	t.Logf("%+v", v.Summary)
}

func TestRealRemoteLWWLosesUnderSkew(t *testing.T) {
	cfg := realConfig("lww", 1000, nemesis.Skew)
	cfg.Nemesis.Skew = map[string]int64{"n1": int64(-5 * time.Second)}
	res, v, _ := runRemote(t, cfg)
	assert.True(t, res.Converged)
	assert.False(t, v.Valid)
	assert.Positive(t, v.Summary.Lost, "%+v", v.Summary)
	assert.Positive(t, v.Summary.Inverted, "writes stamped below a write they follow: skew damage")
	t.Logf("%+v", v.Summary)
}

// A remote cluster without the admin API takes no fault: each is recorded
// as skipped, with why, and the final reads still come after a pause.
func TestRealRemoteWithoutAdminSkipsFaults(t *testing.T) {
	var urls []string
	for _, u := range nodetest.Start(t, "vv", 3, nil) {
		target, err := url.Parse(u)
		require.NoError(t, err)
		rp := httputil.NewSingleHostReverseProxy(target)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/admin/") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"error":"no admin API here"}`))
				return
			}
			rp.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	target, err := live.DialRemote(context.Background(), urls, "")
	require.NoError(t, err)
	assert.Nil(t, target.Info("n1"))
	assert.Contains(t, target.Describe(), "n1 "+urls[0]+" (no admin API)")
	cfg := realConfig("vv", 1500, nemesis.Skew, nemesis.Partition, nemesis.Kill)
	cfg.Converge = time.Second
	res, err := live.Run(context.Background(), cfg, target, nil, live.Options{})
	require.NoError(t, err)
	assert.False(t, res.Converged, "no GET /admin/state: convergence unknown")
	skipped := map[string]int{}
	for _, e := range res.History {
		if e.Process == histories.Nemesis && e.F != live.Skipped && e.IsFault() {
			t.Errorf("fault %s recorded as applied: %+v", e.F, e)
		}
		if e.F == live.Skipped {
			skipped[e.Params["fault"]]++
			assert.Contains(t, e.Error, "skipped: ")
			assert.NotEmpty(t, e.Params["why"])
		}
	}
	assert.Positive(t, skipped[nemesis.Partition], "%v", skipped)
	assert.Positive(t, skipped[nemesis.Kill], "%v", skipped)
	assert.Positive(t, skipped[nemesis.Skew], "%v", skipped)
	v, err := checker.Check(res.History, checker.Options{})
	require.NoError(t, err)
	assert.True(t, v.Valid, "%v", v.Failures)
	assert.Equal(t, 3, len(v.Keys))
}

// A real run's rw-other reads through one node and writes what it read
// through another, as the simulator's does.
func TestRealReadElsewhereWritesThroughAnotherNode(t *testing.T) {
	cfg := realConfig("vv", 120)
	cfg.Mix = harness.Mix{ReadElsewhere: 1}
	res, v, _ := runRemote(t, cfg)
	assert.True(t, v.Valid, "%v", v.Failures)
	assert.Greater(t, writesElsewhere(t, res.History), 40)
}

// few gives each client n reads of k1 through n1, then nothing more.
type few struct {
	mu   sync.Mutex
	n    int
	gave map[string]int
}

func (g *few) Next(client string, _ *rand.Rand) harness.Op {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gave[client] == g.n {
		return harness.Op{}
	}
	g.gave[client]++
	return harness.Op{F: histories.Read, Key: "k1", Node: "n1"}
}

// A real run's client stops when the generator has nothing more for it,
// budget left or not.
func TestRealGeneratorRunsDry(t *testing.T) {
	cfg := realConfig("vv", 1000)
	urls := nodetest.Start(t, cfg.Strategy, 3, nil)
	target, err := live.DialRemote(context.Background(), urls, "")
	require.NoError(t, err)
	res, err := live.Run(context.Background(), cfg, target, &few{n: 3, gave: map[string]int{}}, live.Options{})
	require.NoError(t, err)
	assert.Equal(t, 3*cfg.Clients, res.Ops)
}

// writesElsewhere requires every client write of h to go through another
// node than the client's last read, and counts them.
func writesElsewhere(t *testing.T, h []histories.Event) int {
	t.Helper()
	lastRead := map[string]string{}
	writes := 0
	for _, e := range h {
		if e.Type != histories.Invoke || !harness.Workload(e.Process) {
			continue
		}
		if e.F == histories.Read {
			lastRead[e.Process] = e.Node
			continue
		}
		writes++
		assert.NotEqual(t, lastRead[e.Process], e.Node, "event %d", e.Index)
	}
	return writes
}

// A real script that names a node the cluster does not have is refused
// before any call.
func TestScriptRefusesUnknownNodes(t *testing.T) {
	cfg := realConfig("vv", 0)
	target, err := live.DialRemote(context.Background(), nodetest.Start(t, cfg.Strategy, 3, nil), "")
	require.NoError(t, err)
	steps := []harness.Step{{Calls: []harness.Call{{Process: "c1", Op: harness.Op{F: histories.Read, Key: "k1", Node: "n4"}}}}}
	res, err := live.RunScript(context.Background(), cfg, target, steps, live.Options{})
	require.ErrorContains(t, err, `script step 1: no node "n4"`)
	assert.Nil(t, res)
}
