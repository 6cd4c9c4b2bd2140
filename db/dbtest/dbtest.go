// Package dbtest holds what the tests of db and its databases share: the
// checks that a test may run (root, the database's binaries, nft) and that
// it leaves no process and no packet filter rule behind.
package dbtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/db"
	"github.com/clockwise-kv/clockwise/internal/owner"
	"github.com/clockwise-kv/clockwise/netfault"
)

// Need skips the test when not root, and fails it when root lacks one of
// the binaries or nft: CI runs as root after make dbs.
func Need(t *testing.T, binaries ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("real databases with packet filter faults need root; CI runs the tests as root")
	}
	for _, b := range binaries {
		_, err := exec.LookPath(b)
		require.NoError(t, err, "%s is missing: run make dbs", b)
	}
	require.NoError(t, netfault.Available(), "run make dbs")
}

// Clean fails the test if any process of this test binary's clusters still
// runs, or if the filter holds a table of this process's.
func Clean(t *testing.T, c *db.Cluster) {
	t.Helper()
	for _, n := range c.Nodes() {
		for _, name := range []string{n.Name, "s" + strings.TrimPrefix(n.Name, "n")} {
			require.False(t, c.Running(name), "%s still runs", name)
		}
	}
	mine := OwnedPids(t)
	require.Empty(t, mine, "database processes of this test still run")
	if f, _ := c.Filter(); f != nil {
		out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.NotContains(t, string(out), f.Table())
	}
}

// OwnedPids lists the processes that carry this process as their owner.
func OwnedPids(t *testing.T) []string {
	t.Helper()
	out, _ := exec.Command("pgrep", "-a", "etcd|redis").Output()
	var pids []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pid, _, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		env, err := os.ReadFile("/proc/" + pid + "/environ")
		if err != nil {
			continue
		}
		self := db.OwnerEnv + "=" + tag(t)
		for _, kv := range strings.Split(string(env), "\x00") {
			if kv == self {
				pids = append(pids, line)
			}
		}
	}
	return pids
}
func tag(t *testing.T) string {
	t.Helper()
	s, err := owner.Self()
	require.NoError(t, err)
	return s
}
