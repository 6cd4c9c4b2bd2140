package tests

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/harness/live"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/nemesis"
	"github.com/clockwise-kv/clockwise/netfault"
)

// requireFilter fails the test where packet filter rules cannot be made:
// the tests run as root, and make test installs nftables.
func requireFilter(t *testing.T) {
	t.Helper()
	require.NoError(t, netfault.Available(), "--net filter needs root and nft (make test installs nftables)")
}

// Under --net filter a write through a node cut off by the packet filter
// does not reach the others while the partition lasts, though without the
// partition the same write reaches them within the same pause; after the
// heal it does, and the nodes run on addresses of their own.
func TestLocalFilterPartitionCutsThePeerLinks(t *testing.T) {
	requireFilter(t)
	cfg := config("vv", 0)
	l := startLocalNet(t, cfg, false, live.NetFilter)
	require.NotNil(t, l.Filter())
	assert.Contains(t, l.Describe(), "packet filter rules (nftables table "+l.Filter().Table())
	assert.NotContains(t, l.Describe(), "127.0.0.1", "every node on an address of its own")
	part, heal := nemesis.PartitionFault([]string{"n1"}, []string{"n2", "n3"}), nemesis.HealFault()
	call := func(p string, f histories.Func, key, node string) harness.Step {
		return harness.Step{Calls: []harness.Call{{Process: p, Op: harness.Op{F: f, Key: key, Node: node}}}}
	}
	const pause = time.Second // twenty anti-entropy rounds
	steps := []harness.Step{
		call("c1", histories.Write, "k1", "n1"), {Pause: pause}, call("c2", histories.Read, "k1", "n2"),
		{Fault: &part},
		call("c1", histories.Write, "k2", "n1"), {Pause: pause}, call("c2", histories.Read, "k2", "n2"), call("c3", histories.Read, "k2", "n3"),
		{Fault: &heal},
	}
	res, err := live.RunScript(context.Background(), cfg, l, steps, live.Options{})
	require.NoError(t, err)
	require.True(t, res.Converged)
	seen := map[string][]string{} // key → writes the reads on n2 and n3 returned
	writes := map[string]string{}
	for _, e := range res.History {
		switch {
		case e.Type == histories.OK && e.F == histories.Write:
			writes[e.Key] = e.Write
		case e.Type == histories.OK && e.F == histories.Read && e.Process != histories.Final:
			for _, v := range e.Versions {
				seen[e.Key] = append(seen[e.Key], v.Write)
			}
		}
	}
	require.NotEmpty(t, writes["k1"])
	require.NotEmpty(t, writes["k2"])
	assert.Contains(t, seen["k1"], writes["k1"], "without a partition n1's write reaches n2 within %v", pause)
	assert.NotContains(t, seen["k2"], writes["k2"], "n1 was cut off: its write must not reach n2 or n3 before the heal")
	v := judge(t, res.History)
	assert.True(t, v.Valid, "after the heal every write is everywhere: %v", v.Failures)
}

// The check a user runs: vv under partitions made by packet filter rules
// is VALID; its partitions took effect (no read on one side returned a
// write made on the other side during the partition, and there were such
// reads to make); run.json records the network and the replay command
// carries it; and no table of the check's is left.
func TestCheckLocalFilterPartition(t *testing.T) {
	requireFilter(t)
	out := t.TempDir()
	cmd := exec.Command(binary, realCheck(out, "--cluster", "local", "--net", "filter", "--strategy", "vv", "--nemesis", "partition",
		"--ops", "3000", "--interval", "600ms", "--seed", "3")...)
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, err, "vv keeps every write\n%s\n%s", stdout.String(), stderr.String())
	assert.Contains(t, stdout.String(), "VALID")
	ruleset, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
	require.NoError(t, err, "%s", ruleset)
	mine := regexp.MustCompile(`table inet clockwise_` + strconv.Itoa(cmd.Process.Pid) + `_\d+_\d+`)
	assert.Empty(t, mine.FindAllString(string(ruleset), -1), "the check's packet filter table is gone")

	dir, err := filepath.EvalSymlinks(filepath.Join(out, runs.Latest))
	require.NoError(t, err)
	info, err := runs.ReadInfo(dir)
	require.NoError(t, err)
	assert.Equal(t, live.NetFilter, info.Net)
	assert.Contains(t, info.Command, "--net filter")
	h, err := histories.ReadFile(filepath.Join(dir, runs.HistoryFile))
	require.NoError(t, err)
	cuts, chances := partitionsHeld(t, h)
	assert.Empty(t, cuts[:min(len(cuts), 20)], "%d reads saw a write across a partition (read index ← write), the first 20 shown", len(cuts))
	assert.Positive(t, chances, "reads across a partition of a key written on the other side: the check must test the cut")
	t.Logf("%d reads across a partition could have seen a write from the other side; none did", chances)
}

// partitionsHeld returns every read (as "read index ← write") that
// returned a write invoked on the other side of a partition after it began,
// ending at least margin before the heal was recorded (the heal takes
// effect as the filter's rules are flushed, a moment before its event), and
// how many reads could have.
func partitionsHeld(t *testing.T, h []histories.Event) (cuts []string, chances int) {
	t.Helper()
	const margin = 200 * time.Millisecond
	nodeOf := map[string]string{} // write → the node it went through
	var side map[string]int       // node → its side; nil: healed
	type w struct {
		key, node string
	}
	var during []w // writes invoked during the current partition
	written := map[string]string{}
	var heals []int64
	for _, e := range h {
		if e.Process == histories.Nemesis && e.F == histories.Func(nemesis.Heal) {
			heals = append(heals, e.Time)
		}
	}
	healAfter := func(at int64) int64 {
		i := slices.IndexFunc(heals, func(x int64) bool { return x >= at })
		if i < 0 {
			return 1 << 62
		}
		return heals[i]
	}
	for _, e := range h {
		switch {
		case e.Process == histories.Nemesis && e.F == histories.Func(nemesis.Partition):
			side = map[string]int{}
			for i, g := range strings.Split(e.Params["groups"], "|") {
				for _, n := range strings.Fields(g) {
					side[n] = i
				}
			}
			during, written = nil, map[string]string{}
		case e.Process == histories.Nemesis && e.F == histories.Func(nemesis.Heal):
			side = nil
		case side == nil || e.Process == histories.Final:
		case e.Type == histories.Invoke && e.F == histories.Write:
			nodeOf[e.Write] = e.Node
			written[e.Write] = e.Key
			during = append(during, w{e.Key, e.Node})
		case e.Type == histories.OK && e.F == histories.Read:
			if e.Time > healAfter(e.Time)-int64(margin) {
				continue
			}
			if slices.ContainsFunc(during, func(x w) bool { return x.key == e.Key && side[x.node] != side[e.Node] }) {
				chances++
			}
			for _, v := range e.Versions {
				if _, ok := written[v.Write]; ok && side[nodeOf[v.Write]] != side[e.Node] {
					cuts = append(cuts, strconv.Itoa(e.Index)+" ← "+v.Write)
				}
			}
		}
	}
	return cuts, chances
}

// A --net filter check killed outright (SIGKILL) cannot remove its table,
// and leaves it to the next: the next --net filter check removes it as it
// starts (netfault.Sweep), whatever it then finds.
func TestKilledFilterCheckTableIsSweptByTheNext(t *testing.T) {
	requireFilter(t)
	out := t.TempDir()
	c := startRealCheck(t, out, "--strategy", "vv", "--net", "filter", "--nemesis", "partition")
	mine := regexp.MustCompile(`table inet (clockwise_` + strconv.Itoa(c.cmd.Process.Pid) + `_\d+_\d+)`)
	ruleset := func() string {
		b, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
		require.NoError(t, err, "%s", b)
		return string(b)
	}
	left := mine.FindStringSubmatch(ruleset())
	require.NotNil(t, left, "the running check's table")
	require.NoError(t, c.cmd.Process.Kill())
	c.wait(t, 30*time.Second)
	for _, pid := range c.pids {
		requireGone(t, pid)
	}
	assert.Contains(t, ruleset(), left[0], "SIGKILL leaves the table")
	code, stdout, stderr := clockwise(t, realCheck(out, "--cluster", "local", "--net", "filter", "--strategy", "vv", "--nemesis", "partition", "--ops", "300")...)
	require.Equal(t, 0, code, "%s\n%s", stdout, stderr)
	assert.NotContains(t, ruleset(), left[0], "the next check swept it")
}
