package tests

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// The test binary re-executes itself as a harness process when helperEnv
// names the clockwise binary: see helper.
const helperEnv = "CLOCKWISE_TEST_HELPER_BINARY"

// helper is a harness process, as a check of a local cluster is: it starts
// the nodes, prints their process ids on one line, runs a long workload
// under partitions and skew until SIGINT or SIGTERM, stops the nodes and
// exits 0.
func helper() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := config("vv", 10_000_000, nemesis.Skew, nemesis.Partition)
	l, err := harness.StartLocal(ctx, cfg, harness.LocalOptions{Binary: os.Getenv(helperEnv)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer l.Close()
	var pids []string
	for _, p := range l.PIDs() {
		pids = append(pids, strconv.Itoa(p))
	}
	fmt.Println(strings.Join(pids, " "))
	_, err = harness.RunReal(ctx, cfg, l, nil, nil)
	fmt.Fprintln(os.Stderr, "helper:", err)
	return 0
}

// startHelper runs helper in a child process and returns it with the node
// process ids it printed.
func startHelper(t *testing.T) (*exec.Cmd, []int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+binary)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "the helper prints its nodes' pids")
	var pids []int
	for _, f := range strings.Fields(line) {
		pid, err := strconv.Atoi(f)
		require.NoError(t, err)
		pids = append(pids, pid)
	}
	require.Len(t, pids, 3)
	for _, pid := range pids {
		require.False(t, gone(pid), "node %d runs", pid)
	}
	time.Sleep(500 * time.Millisecond) // the workload and the faults are under way
	return cmd, pids
}

// Ctrl-C on a harness process stops every node it started.
func TestInterruptedHarnessStopsItsNodes(t *testing.T) {
	cmd, pids := startHelper(t)
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "the helper exits cleanly")
	case <-time.After(30 * time.Second):
		t.Fatal("the helper did not stop within 30s of SIGINT")
	}
	for _, pid := range pids {
		requireGone(t, pid)
	}
}

// A harness process killed outright leaves no node behind either (Linux:
// the kernel kills the children).
func TestKilledHarnessLeavesNoNode(t *testing.T) {
	cmd, pids := startHelper(t)
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	for _, pid := range pids {
		requireGone(t, pid)
	}
}

// A run interrupted through its context returns what it recorded, with
// the faults undone, and Close stops every node.
func TestInterruptedRunStopsEveryNode(t *testing.T) {
	cfg := config("vv", 10_000_000, nemesis.Partition, nemesis.Skew, nemesis.Kill)
	l, err := harness.StartLocal(context.Background(), cfg, harness.LocalOptions{Binary: binary})
	require.NoError(t, err)
	seen := map[int]bool{}
	for _, p := range l.PIDs() {
		seen[p] = true
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for range 15 { // note the restarted nodes too
			time.Sleep(100 * time.Millisecond)
			for _, p := range l.PIDs() {
				seen[p] = true
			}
		}
		cancel()
	}()
	res, err := harness.RunReal(ctx, cfg, l, nil, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, res)
	assert.NotEmpty(t, res.History)
	require.NoError(t, l.Close())
	for pid := range seen {
		requireGone(t, pid)
	}
}
