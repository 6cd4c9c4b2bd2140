package tests

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/live"
	"github.com/clockwise-kv/clockwise/histories"
)

// binary is the clockwise executable TestMain built, or the one
// $CLOCKWISE_BINARY names (so that benchmarks of two builds can be run in
// turns on the same machine); scratch is TestMain's temporary folder,
// removed when the tests end.
var binary, scratch string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "clockwise-tests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scratch = dir
	if b := os.Getenv("CLOCKWISE_BINARY"); b != "" {
		if binary, err = filepath.Abs(b); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	binary = filepath.Join(dir, "clockwise")
	build := exec.Command("go", "build", "-o", binary, "github.com/clockwise-kv/clockwise/cmd/clockwise")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building clockwise: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// config is a short real run: 3 nodes, 4 clients, 3 keys, faults every
// ~100ms.
func config(strategy string, ops int, kinds ...string) harness.Config {
	cfg := harness.DefaultConfig()
	cfg.Strategy, cfg.Ops, cfg.Clients, cfg.Seed = strategy, ops, 4, 7
	cfg.Think = 2 * time.Millisecond
	cfg.Nemesis.Kinds = kinds
	cfg.Nemesis.Interval = 100 * time.Millisecond
	cfg.Converge = 20 * time.Second
	return cfg
}

// local starts cfg's cluster of node processes, their stores in memory,
// logs in the test's temporary folder; it is closed when the test ends, and
// every process it ever ran must be gone by then.
func local(t *testing.T, cfg harness.Config) *live.Local {
	t.Helper()
	return startLocal(t, cfg, false)
}

// durable starts cfg's cluster as local does, each node with a data folder
// in the test's temporary folder (live.LocalOptions.Data).
func durable(t *testing.T, cfg harness.Config) *live.Local {
	t.Helper()
	return startLocal(t, cfg, true)
}

func startLocal(t *testing.T, cfg harness.Config, data bool) *live.Local {
	t.Helper()
	return startLocalNet(t, cfg, data, "")
}

// startLocalNet starts cfg's cluster as startLocal does, its partitions
// made as network says (live.LocalOptions.Net).
func startLocalNet(t *testing.T, cfg harness.Config, data bool, network string) *live.Local {
	t.Helper()
	logs := t.TempDir()
	opts := live.LocalOptions{Binary: binary, Logs: logs, Net: network}
	if data {
		opts.Data = logs
	}
	l, err := live.StartLocal(context.Background(), cfg, opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		pids := l.PIDs()
		require.NoError(t, l.Close())
		for _, pid := range pids {
			requireGone(t, pid)
		}
		if t.Failed() {
			for _, n := range l.Nodes() {
				b, _ := os.ReadFile(filepath.Join(logs, n+".log"))
				t.Logf("%s.log:\n%s", n, b)
			}
		}
	})
	return l
}

// requireGone fails unless process pid has ended within 5 s.
func requireGone(t *testing.T, pid int) {
	t.Helper()
	require.Eventually(t, func() bool { return gone(pid) }, 5*time.Second, 10*time.Millisecond, "process %d still runs", pid)
}

// gone reports whether process pid has ended: it no longer exists, or only
// its exit status waits to be collected (a zombie, once its parent died
// and the machine's init has not reaped it yet).
func gone(pid int) bool {
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z' || s[i+2] == 'X'
	}
	return false
}

// judge runs the checker on a history.
func judge(t *testing.T, h []histories.Event) *checker.Result {
	t.Helper()
	v, err := checker.Check(h, checker.Options{})
	require.NoError(t, err)
	return v
}
