package tests

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/internal/runs"
)

// realCheck is `clockwise check --cluster ...` on a short workload, into out.
func realCheck(out string, args ...string) []string {
	return append([]string{"check", "--out", out, "--ops", "800", "--clients", "4", "--think", "2ms", "--interval", "100ms"}, args...)
}

// nodePIDs reads the process ids of every node a local check started from
// its run folder's node logs (each start prints one).
func nodePIDs(t *testing.T, dir string) []int {
	t.Helper()
	re := regexp.MustCompile(`clockwise: node n\d+ \(\S+, pid (\d+)\)`)
	var pids []int
	logs, err := filepath.Glob(filepath.Join(dir, "nodes", "n*.log"))
	require.NoError(t, err)
	for _, f := range logs {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range re.FindAllSubmatch(b, -1) {
			pid, err := strconv.Atoi(string(m[1]))
			require.NoError(t, err)
			pids = append(pids, pid)
		}
	}
	return pids
}

// realChecking is a check of a local cluster running in the background.
type realChecking struct {
	*checking
	pids []int // its nodes' process ids once all three started
}

// startRealCheck starts a long check of a local cluster under out and
// waits until its three nodes run; it fails at once, with the output, if
// the check ends first.
func startRealCheck(t *testing.T, out string, args ...string) *realChecking {
	t.Helper()
	c := &realChecking{}
	c.checking = startCheck(t, out, realCheck(out, append([]string{"--cluster", "local", "--ops", "2000000"}, args...)...), 20*time.Second,
		func(dir string) bool { c.pids = nodePIDs(t, dir); return len(c.pids) == 3 })
	return c
}

// The same command a newcomer runs: lww on real processes with n1 five
// seconds behind loses acknowledged writes (exit 1) and writes the usual run
// folder plus the nodes' logs; vv under skew, partitions and kills keeps
// every one (exit 0). No node outlives either check.
func TestCheckLocalCluster(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := clockwise(t, realCheck(out, "--cluster", "local", "--strategy", "lww", "--nemesis", "skew", "--skew", "n1=-5s")...)
	require.Equal(t, 1, code, "lww must lose writes on a real cluster\n%s\n%s", stdout, stderr)
	assert.Contains(t, stdout, "acknowledged writes lost")
	assert.Contains(t, stdout, "on the real cluster local")
	assert.Contains(t, strings.Join(strings.Fields(stdout), " "), "run again (real timing decides the history: not byte for byte): "+binary+" check",
		"the command as it runs from here")
	dir, err := filepath.EvalSymlinks(filepath.Join(out, runs.Latest))
	require.NoError(t, err)
	for _, f := range []string{runs.HistoryFile, runs.ResultsFile, runs.InfoFile, runs.ReportFile, runs.HTMLFile, "nodes/n1.log"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	info, err := runs.ReadInfo(dir)
	require.NoError(t, err)
	assert.Equal(t, "local", info.Cluster)
	assert.Positive(t, info.Wall)
	assert.Positive(t, info.Summary.Lost)
	pids := nodePIDs(t, dir)
	require.Len(t, pids, 3)
	for _, pid := range pids {
		requireGone(t, pid)
	}

	code, stdout, stderr = clockwise(t, realCheck(out, "--cluster", "local", "--strategy", "vv", "--nemesis", "skew,partition,kill", "--w", "2")...)
	require.Equal(t, 0, code, "vv keeps every acknowledged write\n%s\n%s", stdout, stderr)
	assert.Contains(t, stdout, "VALID")
	dir, err = filepath.EvalSymlinks(filepath.Join(out, runs.Latest))
	require.NoError(t, err)
	pids = nodePIDs(t, dir)
	assert.Greater(t, len(pids), 3, "killed nodes were restarted as new processes")
	for _, pid := range pids {
		requireGone(t, pid)
	}
}

// Ctrl-C on a check of a local cluster undoes the faults, stops every node,
// judges what was recorded (every line of the history whole) and exits 3:
// without final reads the run cannot decide.
func TestCheckLocalClusterInterrupted(t *testing.T) {
	c := startRealCheck(t, t.TempDir(), "--strategy", "vv", "--nemesis", "skew,partition,kill")
	time.Sleep(700 * time.Millisecond) // the workload and the faults are under way
	require.NoError(t, c.cmd.Process.Signal(os.Interrupt))
	assert.Equal(t, 3, c.wait(t, 30*time.Second), "%s", c.out.String())
	assert.Contains(t, c.out.String(), "INTERRUPTED before its final reads")
	for _, pid := range c.pids {
		requireGone(t, pid)
	}
	for _, pid := range nodePIDs(t, c.dir) { // restarted while stopping, too
		requireGone(t, pid)
	}
	assert.Positive(t, requireWholeLines(t, filepath.Join(c.dir, runs.HistoryFile)))
	assert.FileExists(t, filepath.Join(c.dir, runs.ResultsFile))
}

// startNodes starts n clockwise node processes of strategy on loopback,
// peers of each other, and returns their URLs; they stop with the test.
func startNodes(t *testing.T, n int, strategy string) []string {
	t.Helper()
	urls, _ := startNodeProcesses(t, n, strategy)
	return urls
}

// startNodeProcesses is startNodes, returning the processes too.
func startNodeProcesses(t testing.TB, n int, strategy string) ([]string, []*exec.Cmd) {
	t.Helper()
	var cmds []*exec.Cmd
	addrs := make([]string, n)
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addrs[i] = ln.Addr().String()
		ln.Close()
	}
	var urls []string
	for i, addr := range addrs {
		var peers []string
		for j, p := range addrs {
			if j != i {
				peers = append(peers, fmt.Sprintf("n%d=%s", j+1, p))
			}
		}
		cmd := exec.Command(binary, "node", "--id", fmt.Sprintf("n%d", i+1), "--listen", addr, "--peers", strings.Join(peers, ","), "--strategy", strategy)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
		r := bufio.NewReader(stdout)
		_, err = r.ReadString('\n')
		require.NoError(t, err, "the node prints its address once it serves")
		go func() { _, _ = io.Copy(io.Discard, r) }()
		urls = append(urls, "http://"+addr)
		cmds = append(cmds, cmd)
	}
	return urls, cmds
}

// A check of nodes someone else started takes the faults their admin API
// offers and records the ones it cannot (kill) as skipped, saying so.
func TestCheckRemoteCluster(t *testing.T) {
	urls := startNodes(t, 3, "vv")
	out := t.TempDir()
	code, stdout, stderr := clockwise(t, realCheck(out, "--cluster", strings.Join(urls, ","), "--strategy", "vv", "--nemesis", "skew,partition,kill")...)
	require.Equal(t, 0, code, "%s\n%s", stdout, stderr)
	assert.Contains(t, stdout, "faults skipped, the cluster could not take them")
	assert.Contains(t, stdout, "kill: remote nodes cannot be killed")
	dir, err := filepath.EvalSymlinks(filepath.Join(out, runs.Latest))
	require.NoError(t, err)
	var res struct {
		Faults []struct {
			F string `json:"f"`
		} `json:"faults"`
	}
	b, err := os.ReadFile(filepath.Join(dir, runs.ResultsFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &res))
	kinds := map[string]int{}
	for _, f := range res.Faults {
		kinds[f.F]++
	}
	assert.Positive(t, kinds["skipped"], "%v", kinds)
	assert.Positive(t, kinds["partition"]+kinds["skew"], "%v", kinds)

	code, _, stderr = clockwise(t, "check", "--cluster", urls[0]+","+urls[1], "--nodes", "3")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "invalid --nodes: 3, but --cluster names 2 nodes")
}
