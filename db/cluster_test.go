package db

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/internal/owner"
	"github.com/clockwise-kv/clockwise/netfault"
)

// TestMain doubles as a helper process that starts a cluster, prints its
// process's id and waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("DB_HELPER_DIR"); dir != "" {
		c, err := New(Options{Dir: dir, Nodes: 1})
		if err == nil {
			err = c.Start(Process{Name: "n1", Node: "n1", Path: "sleep", Args: []string{"600"}})
		}
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println(c.Pid("n1"))
		time.Sleep(10 * time.Minute)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func newCluster(t *testing.T, nodes int) *Cluster {
	t.Helper()
	c, err := New(Options{Dir: t.TempDir(), Nodes: nodes})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Stop()) })
	return c
}

// state is the process's state letter in /proc (S sleeping, T stopped), or
// "" when it is gone or a zombie.
func state(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) == 0 || f[0] == "Z" {
		return ""
	}
	return f[0]
}

func gone(t *testing.T, pid int) {
	t.Helper()
	require.NoError(t, Wait(context.Background(), "pid "+strconv.Itoa(pid)+" to end", 10*time.Second, func(context.Context) error {
		if s := state(pid); s != "" {
			return fmt.Errorf("state %s", s)
		}
		return nil
	}))
}

// inState waits until pid is stopped (T), or running or sleeping.
func inState(t *testing.T, pid int, stopped bool) {
	t.Helper()
	require.NoError(t, Wait(context.Background(), "pid "+strconv.Itoa(pid)+" stopped or not", 5*time.Second, func(context.Context) error {
		if s := state(pid); (s == "T") != stopped || s == "" {
			return fmt.Errorf("state %q", s)
		}
		return nil
	}))
}

func TestKillPauseResumeRestartStop(t *testing.T) {
	c := newCluster(t, 2)
	// A shell whose child is in its process group: Kill ends both.
	require.NoError(t, c.Start(Process{Name: "n1", Node: "n1", Path: "sh", Args: []string{"-c", "sleep 600 & echo $! > child; wait"}}))
	require.ErrorContains(t, c.Start(Process{Name: "n1", Node: "n2", Path: "sleep"}), "started twice")
	require.ErrorContains(t, c.Start(Process{Name: "x", Node: "n9", Path: "sleep"}), `no node "n9"`)
	require.True(t, c.Running("n1"))
	pid := c.Pid("n1")
	require.NotZero(t, pid)
	var child int
	require.NoError(t, Wait(context.Background(), "the child's pid", 5*time.Second, func(context.Context) error {
		b, err := os.ReadFile(filepath.Join(c.Folder("n1"), "child"))
		if err == nil {
			child, err = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		return err
	}))

	require.NoError(t, c.Pause("n1"))
	inState(t, pid, true)
	inState(t, child, true) // the whole process group stops
	require.NoError(t, c.Resume("n1"))
	inState(t, pid, false)
	inState(t, child, false)

	require.NoError(t, c.Kill("n1"))
	assert.False(t, c.Running("n1"))
	assert.Zero(t, c.Pid("n1"))
	gone(t, pid)
	gone(t, child)
	assert.ErrorContains(t, c.Pause("n1"), "down")

	require.NoError(t, c.Restart("n1"))
	assert.True(t, c.Running("n1"))
	again := c.Pid("n1")
	assert.NotEqual(t, pid, again)
	assert.ErrorContains(t, c.Kill("n7"), `no process "n7"`)

	require.NoError(t, c.Stop())
	require.NoError(t, c.Stop(), "stopping twice does nothing")
	gone(t, again)
	assert.ErrorContains(t, c.Restart("n1"), "stopped")
	log, err := os.ReadFile(c.Log("n1"))
	require.NoError(t, err)
	assert.Empty(t, log)
}

func TestClustersClaimDistinctAddresses(t *testing.T) {
	a, b := newCluster(t, 3), newCluster(t, 3)
	var addrs []netip.Addr
	for _, n := range append(a.Nodes(), b.Nodes()...) {
		require.True(t, n.Addr.IsLoopback())
		require.NotEqual(t, netip.MustParseAddr("127.0.0.1"), n.Addr)
		addrs = append(addrs, n.Addr)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	assert.Len(t, slices.Compact(addrs), 6)
	assert.Equal(t, []string{"n1", "n2", "n3"}, []string{a.Nodes()[0].Name, a.Nodes()[1].Name, a.Nodes()[2].Name})
}

func TestNewRejectsBadOptions(t *testing.T) {
	_, err := New(Options{})
	assert.ErrorContains(t, err, "no folder")
	_, err = New(Options{Dir: t.TempDir(), Nodes: 300})
	assert.ErrorContains(t, err, "at most 250")
}

func TestPartitionNamesNodes(t *testing.T) {
	c := newCluster(t, 2)
	f, why := c.Filter()
	if f == nil {
		// Without root or nft Partition says why, as Heal does.
		var ue interface{ Error() string }
		require.ErrorAs(t, why, &ue)
		assert.Equal(t, why, c.Partition([][]string{{"n1"}, {"n2"}}))
		assert.Equal(t, why, c.Heal())
		return
	}
	assert.ErrorContains(t, c.Partition([][]string{{"n1"}, {"n3"}}), `no node "n3"`)
	require.NoError(t, c.Partition([][]string{{"n1"}, {"n2"}}))
	require.NoError(t, c.Heal())
}

func TestSetOffsetSkewsALibcProgram(t *testing.T) {
	if Faketime() == "" {
		if os.Geteuid() != 0 {
			t.Skip("libfaketime is missing; CI installs it (make dbs)")
		}
		require.NotEmpty(t, Faketime(), "libfaketime is missing: run make dbs")
	}
	c := newCluster(t, 1)
	require.NoError(t, c.Start(Process{Name: "n1", Node: "n1", Path: "sh", Skew: true,
		Args: []string{"-c", "while :; do date +%s > now.tmp; mv now.tmp now; sleep 0.1; done"}}))
	require.NoError(t, c.Start(Process{Name: "plain", Node: "n1", Path: "sleep", Args: []string{"600"}}))
	assert.ErrorContains(t, c.SetOffset("plain", time.Hour), "does not run under libfaketime")
	assert.ErrorContains(t, c.SetOffset("nope", time.Hour), "no process")

	ahead := func(want time.Duration) func(context.Context) error {
		return func(context.Context) error {
			b, err := os.ReadFile(filepath.Join(c.Folder("n1"), "now"))
			if err != nil {
				return err
			}
			s, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			if err != nil {
				return err
			}
			if d := time.Unix(s, 0).Sub(time.Now()); d < want-time.Minute || d > want+time.Minute {
				return fmt.Errorf("its clock is %s ahead", d)
			}
			return nil
		}
	}
	require.NoError(t, Wait(context.Background(), "the clock true", 10*time.Second, ahead(0)))
	require.NoError(t, c.SetOffset("n1", time.Hour))
	require.NoError(t, Wait(context.Background(), "the clock an hour ahead", 10*time.Second, ahead(time.Hour)))
	require.NoError(t, c.SetOffset("n1", -2*time.Hour))
	require.NoError(t, Wait(context.Background(), "the clock two hours behind", 10*time.Second, ahead(-2*time.Hour)))
}

func TestProbeSkew(t *testing.T) {
	if Faketime() == "" {
		var se *SkewError
		require.ErrorAs(t, ProbeSkew(context.Background(), "true"), &se)
		assert.Contains(t, se.Reason, "missing")
		return
	}
	require.NoError(t, ProbeSkew(context.Background(), "true"))
	hang := filepath.Join(t.TempDir(), "hang")
	require.NoError(t, os.WriteFile(hang, []byte("#!/bin/sh\nexec sleep 30\n"), 0o755))
	var se *SkewError
	require.ErrorAs(t, ProbeSkew(context.Background(), hang), &se)
	assert.Contains(t, se.Reason, "hangs")
	c := newCluster(t, 1)
	require.ErrorAs(t, c.Start(Process{Name: "n1", Node: "n1", Path: hang, Skew: true}), &se)
	assert.False(t, c.Running("n1"))
}

func TestSweepKillsProcessesOfDeadOwnersOnly(t *testing.T) {
	// A tag of a process that has ended.
	done := exec.Command("true")
	require.NoError(t, done.Start())
	start, err := owner.StartTime(done.Process.Pid)
	require.NoError(t, err)
	dead := owner.Tag(done.Process.Pid, start)
	require.NoError(t, done.Wait())

	stray := exec.Command("sleep", "600")
	stray.Env = append(os.Environ(), OwnerEnv+"="+dead)
	stray.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, stray.Start())
	waited := make(chan error, 1)
	go func() { waited <- stray.Wait() }()
	defer func() { _ = stray.Process.Kill() }()

	c := newCluster(t, 1)
	require.NoError(t, c.Start(Process{Name: "n1", Node: "n1", Path: "sleep", Args: []string{"600"}}))

	strays, err := Strays()
	require.NoError(t, err)
	assert.Contains(t, strays, stray.Process.Pid)
	assert.NotContains(t, strays, c.Pid("n1"), "its owner, this test, runs")

	killed, err := Sweep()
	require.NoError(t, err)
	assert.Contains(t, killed, stray.Process.Pid)
	select {
	case err := <-waited:
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "%v", err)
		assert.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal())
	case <-time.After(10 * time.Second):
		t.Fatal("the stray still runs 10 s after Sweep")
	}
	assert.True(t, c.Running("n1"))
}

// TestProcessesDieWithTheirOwner SIGKILLs a process that started a cluster:
// the kernel kills the cluster's processes too.
func TestProcessesDieWithTheirOwner(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DB_HELPER_DIR="+t.TempDir())
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill() }()
	b := make([]byte, 64)
	n, err := out.Read(b)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	require.NoError(t, err, "%s", b[:n])
	require.NotEqual(t, "", state(pid), "the helper's process runs")

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	gone(t, pid)

	// Its packet filter table outlives it, until a sweep.
	if f, _ := netfault.Tables(); f != nil || os.Geteuid() == 0 {
		helper := "clockwise_" + strconv.Itoa(cmd.Process.Pid) + "_"
		_, err := Sweep()
		require.NoError(t, err)
		tables, err := netfault.Tables()
		require.NoError(t, err)
		for _, table := range tables {
			assert.False(t, strings.HasPrefix(table, helper), "the dead helper's table %s is left", table)
		}
	}
}

func TestDefinite(t *testing.T) {
	assert.True(t, Definite(&Error{Op: "put", Definite: true, Err: errors.New("refused")}))
	assert.True(t, Definite(fmt.Errorf("wrapped: %w", &Error{Op: "put", Definite: true, Err: errors.New("x")})))
	assert.False(t, Definite(&Error{Op: "put", Err: errors.New("timeout")}))
	assert.False(t, Definite(errors.New("plain")))
	assert.Equal(t, "put: indeterminate failure: timeout", (&Error{Op: "put", Err: errors.New("timeout")}).Error())
}

// A cluster's folder given relative to the caller is made absolute: each
// process runs in a folder of its own, where a relative path would name
// another place (a check's runs/… once became runs/…/runs/…).
func TestRelativeFolderIsMadeAbsolute(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := New(Options{Dir: filepath.Join("runs", "db"), Nodes: 1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Stop()) })
	assert.True(t, filepath.IsAbs(c.Folder("n1")), c.Folder("n1"))
	wd, err := os.Getwd()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(wd, "runs", "db", "n1"), c.Folder("n1"))
}
