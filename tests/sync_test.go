package tests

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/protocol"
)

// largeValues is the load of the anti-entropy tests: 40 values of 900 KB.
const (
	largeCount = 40
	largeSize  = 900 << 10
)

// syncPair starts two vv node processes and returns a client of each and
// the processes.
func syncPair(t testing.TB) ([]*protocol.Client, []*exec.Cmd) {
	urls, cmds := startNodeProcesses(t, 2, "vv")
	var cs []*protocol.Client
	for _, u := range urls {
		c, err := protocol.NewClient(u, nil)
		require.NoError(t, err)
		cs = append(cs, c)
	}
	return cs, cmds
}

// writeLarge cuts n1 and n2 apart, so that replication carries nothing,
// writes the large values to n1 under keys prefix0 to prefix39, each
// acknowledged, and joins them again: only anti-entropy can bring the
// values to n2.
func writeLarge(t testing.TB, cs []*protocol.Client, prefix string) {
	ctx := context.Background()
	require.NoError(t, cs[0].Block(ctx, []string{"n2"}))
	require.NoError(t, cs[1].Block(ctx, []string{"n1"}))
	for i := range largeCount {
		v := fmt.Sprintf("%d:%s", i, strings.Repeat("v", largeSize))
		_, err := cs[0].Put(ctx, fmt.Sprint(prefix, i), protocol.Put{Write: fmt.Sprint(prefix, "w", i), Value: v})
		require.NoError(t, err, "put %d", i)
	}
	require.NoError(t, cs[0].Block(ctx, nil))
	require.NoError(t, cs[1].Block(ctx, nil))
}

// agree reports whether n1 and n2 hold the same keys with the same sums,
// want keys of them.
func agree(cs []*protocol.Client, want int) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a, err := cs[0].State(ctx)
	if err != nil {
		return false
	}
	b, err := cs[1].State(ctx)
	return err == nil && len(a.Keys) == want && maps.Equal(a.Keys, b.Keys)
}

// TestLargeValuesConverge: 40 values of 900 KB written to n1 while it is
// cut off from n2 reach n2 by anti-entropy once the two are joined, in
// messages of bounded size; and a node stops at once on SIGTERM in the
// middle of such a sync.
func TestLargeValuesConverge(t *testing.T) {
	cs, cmds := syncPair(t)
	writeLarge(t, cs, "a")
	require.Eventually(t, func() bool { return agree(cs, largeCount) }, 30*time.Second, 100*time.Millisecond,
		"n2 holds every value n1 holds")
	r, err := cs[1].Get(context.Background(), "a7")
	require.NoError(t, err)
	require.Len(t, r.Versions, 1)
	assert.Equal(t, "7:"+strings.Repeat("v", largeSize), r.Versions[0].Value)

	writeLarge(t, cs, "b")
	time.Sleep(100 * time.Millisecond) // anti-entropy under way
	require.NoError(t, cmds[0].Process.Signal(syscall.SIGTERM))
	exited := make(chan error, 1)
	go func() { exited <- cmds[0].Wait() }()
	select {
	case err := <-exited:
		require.NoError(t, err, "n1 exits 0 on SIGTERM")
	case <-time.After(5 * time.Second):
		t.Fatal("n1 still runs 5 s after SIGTERM")
	}
}

// BenchmarkSyncLargeValues measures the anti-entropy of 40 values of
// 900 KB from n1 to n2 (written while the two were cut apart): the time
// until both hold the same, and the largest peak resident memory of either
// node process (VmHWM), the sender's or the receiver's.
func BenchmarkSyncLargeValues(b *testing.B) {
	var peak int64
	for b.Loop() {
		b.StopTimer()
		cs, cmds := syncPair(b)
		writeLarge(b, cs, "k")
		b.StartTimer()
		for !agree(cs, largeCount) {
			time.Sleep(10 * time.Millisecond)
		}
		b.StopTimer()
		for _, cmd := range cmds {
			peak = max(peak, hwm(b, cmd.Process.Pid))
		}
		for _, cmd := range cmds {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
}

// hwm returns process pid's peak resident memory in KiB, from
// /proc/pid/status.
func hwm(b testing.TB, pid int) int64 {
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(b, err)
	for line := range strings.Lines(string(s)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(b, err)
			return kb
		}
	}
	b.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
