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
	"sync"
	"syscall"
	"time"

	"github.com/clockwise-kv/clockwise/internal/owner"
	"github.com/clockwise-kv/clockwise/netfault"
)

// ClaimPort is the port on each host's address that a cluster listens on
// for its life, so that no other cluster takes the address.
const ClaimPort = netfault.ClaimPort

// OwnerEnv is the environment variable that carries, in every database
// process, the tag of the clockwise process that started it.
const OwnerEnv = "CLOCKWISE_DB_OWNER"

// Options say where and how big a cluster is.
type Options struct {
	// Dir holds a folder per process and its log; it is created.
	Dir string
	// Nodes is the number of hosts; 0: 3.
	Nodes int
	// Ports are the ports the database's processes listen on at each host;
	// a block is chosen only where all are free.
	Ports []int
}

// A Node is a host: its name (n1…) and loopback address.
type Node struct {
	Name string
	Addr netip.Addr
}

// A Process is how to run one database process.
type Process struct {
	Name string // unique in the cluster: n1…, s1…
	Node string // the host it runs on
	Path string
	Args []string
	Env  []string
	// Skew runs it under libfaketime, so that SetOffset reaches it.
	Skew bool
}

// Cluster is a set of database processes on loopback hosts, children of this
// process. Its methods are safe for concurrent use.
type Cluster struct {
	dir    string
	nodes  []Node
	owner  string
	block  *netfault.Block
	filter *netfault.Filter
	nofilt error // why filter is nil
	fake   string

	mu     sync.Mutex
	procs  map[string]*proc
	order  []string
	closed bool
	skews  map[string]error // ProbeSkew's answer per program
}

type proc struct {
	spec   Process
	cmd    *exec.Cmd // nil while down
	exited chan struct{}
	paused bool
}

// New chooses and claims a block of free loopback addresses and prepares the
// packet filter, before any process starts, so that every connection a
// process opens can be cut. Without root or nft the cluster runs, and
// Partition says why it cannot.
func New(opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("db: no folder for the cluster")
	}
	if opts.Nodes <= 0 {
		opts.Nodes = 3
	}
	if opts.Nodes > 250 {
		return nil, fmt.Errorf("db: %d nodes: at most 250", opts.Nodes)
	}
	// Each process runs in its own folder, so the paths it is given must
	// not be relative to the caller's.
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	opts.Dir = dir
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	self, err := owner.Self()
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	c := &Cluster{dir: opts.Dir, owner: self, procs: map[string]*proc{}, skews: map[string]error{}}
	if err := c.claim(opts.Nodes, opts.Ports); err != nil {
		return nil, err
	}
	hosts := make([]netip.Addr, len(c.nodes))
	for i, n := range c.nodes {
		hosts[i] = n.Addr
	}
	c.filter, c.nofilt = netfault.New(hosts)
	if c.nofilt != nil {
		var ue *netfault.UnavailableError
		if !errors.As(c.nofilt, &ue) {
			c.release()
			return nil, fmt.Errorf("db: %w", c.nofilt)
		}
	}
	c.fake = Faketime()
	return c, nil
}

// claim holds a block of loopback addresses, 127.0.R.2…, one a node.
func (c *Cluster) claim(n int, ports []int) error {
	b, err := netfault.Claim(n, ports)
	if err != nil {
		return fmt.Errorf("db: %w", err)
	}
	c.block = b
	for i, a := range b.Hosts() {
		c.nodes = append(c.nodes, Node{Name: "n" + strconv.Itoa(i+1), Addr: a})
	}
	return nil
}

func (c *Cluster) release() { c.block.Release() }

// Dir is the cluster's folder.
func (c *Cluster) Dir() string { return c.dir }

// Nodes are the cluster's hosts, n1 first.
func (c *Cluster) Nodes() []Node { return slices.Clone(c.nodes) }

// Node is the host named name.
func (c *Cluster) Node(name string) (Node, error) {
	for _, n := range c.nodes {
		if n.Name == name {
			return n, nil
		}
	}
	return Node{}, fmt.Errorf("db: no node %q", name)
}

// Filter is the cluster's packet filter, or nil and why there is none.
func (c *Cluster) Filter() (*netfault.Filter, error) { return c.filter, c.nofilt }

// Start starts a process of the cluster.
func (c *Cluster) Start(p Process) error {
	n, err := c.Node(p.Node)
	if err != nil {
		return err
	}
	if p.Skew {
		if err := c.probe(p.Path); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("db: cluster stopped")
	}
	if _, ok := c.procs[p.Name]; ok {
		return fmt.Errorf("db: process %s started twice", p.Name)
	}
	if err := os.MkdirAll(c.Folder(p.Name), 0o755); err != nil {
		return fmt.Errorf("db: %w", err)
	}
	pr := &proc{spec: p}
	if p.Skew {
		if err := os.WriteFile(c.clockFile(p.Name), []byte("+0\n"), 0o644); err != nil {
			return fmt.Errorf("db: %w", err)
		}
	}
	c.procs[p.Name] = pr
	c.order = append(c.order, p.Name)
	return c.run(pr, n)
}

// probe asks ProbeSkew once per program whether it runs under libfaketime.
func (c *Cluster) probe(path string) error {
	c.mu.Lock()
	err, ok := c.skews[path]
	c.mu.Unlock()
	if ok {
		return err
	}
	err = ProbeSkew(context.Background(), path)
	c.mu.Lock()
	c.skews[path] = err
	c.mu.Unlock()
	return err
}

// Folder is process name's data folder.
func (c *Cluster) Folder(name string) string { return filepath.Join(c.dir, name) }

// Log is process name's log file.
func (c *Cluster) Log(name string) string { return filepath.Join(c.dir, name+".log") }

func (c *Cluster) clockFile(name string) string { return filepath.Join(c.Folder(name), "faketime") }

// run starts pr's command; c.mu is held.
func (c *Cluster) run(pr *proc, n Node) error {
	p := pr.spec
	log, err := os.OpenFile(c.Log(p.Name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("db: %w", err)
	}
	defer log.Close()
	cmd := exec.Command(p.Path, p.Args...)
	cmd.Dir = c.Folder(p.Name)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Env = append(cmd.Env, OwnerEnv+"="+c.owner)
	if p.Skew {
		cmd.Env = append(cmd.Env, "LD_PRELOAD="+c.fake, "FAKETIME_TIMESTAMP_FILE="+c.clockFile(p.Name),
			"FAKETIME_CACHE_DURATION=1", "FAKETIME_DONT_FAKE_MONOTONIC=1")
	}
	cmd.SysProcAttr = sysProcAttr()
	if c.filter != nil {
		cmd.SysProcAttr.Credential = netfault.Credential(n.Addr)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("db: start %s: %w", p.Name, err)
	}
	pr.cmd, pr.exited, pr.paused = cmd, make(chan struct{}), false
	go func(cmd *exec.Cmd, exited chan struct{}) {
		_ = cmd.Wait()
		close(exited)
	}(cmd, pr.exited)
	return nil
}

func (c *Cluster) proc(name string) (*proc, error) {
	pr, ok := c.procs[name]
	if !ok {
		return nil, fmt.Errorf("db: no process %q", name)
	}
	return pr, nil
}

// Pid is process name's id, or 0 while it is down.
func (c *Cluster) Pid(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	pr, ok := c.procs[name]
	if !ok || pr.cmd == nil {
		return 0
	}
	return pr.cmd.Process.Pid
}

// Running reports whether process name is up (it may be paused).
func (c *Cluster) Running(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	pr, ok := c.procs[name]
	if !ok || pr.cmd == nil {
		return false
	}
	select {
	case <-pr.exited:
		return false
	default:
		return true
	}
}

// Kill sends process name (and its process group) SIGKILL and waits until
// it is gone; it stays down until Restart.
func (c *Cluster) Kill(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	pr, err := c.proc(name)
	if err != nil {
		return err
	}
	return kill(pr)
}

// kill ends pr; c.mu is held.
func kill(pr *proc) error {
	if pr.cmd == nil {
		return nil
	}
	pid := pr.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	_ = pr.cmd.Process.Kill()
	select {
	case <-pr.exited:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("db: %s (pid %d) still runs 10 s after SIGKILL", pr.spec.Name, pid)
	}
	pr.cmd, pr.paused = nil, false
	return nil
}

// Restart starts process name again with its data folder, after Kill or
// after it exited by itself; it kills it first if it still runs.
func (c *Cluster) Restart(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("db: cluster stopped")
	}
	pr, err := c.proc(name)
	if err != nil {
		return err
	}
	if err := kill(pr); err != nil {
		return err
	}
	n, err := c.Node(pr.spec.Node)
	if err != nil {
		return err
	}
	return c.run(pr, n)
}

// Pause stops process name's group with SIGSTOP until Resume, and returns
// once every thread of the process has stopped.
func (c *Cluster) Pause(name string) error { return c.signal(name, syscall.SIGSTOP) }

// Resume continues process name with SIGCONT.
func (c *Cluster) Resume(name string) error { return c.signal(name, syscall.SIGCONT) }

func (c *Cluster) signal(name string, sig syscall.Signal) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	pr, err := c.proc(name)
	if err != nil {
		return err
	}
	if pr.cmd == nil {
		return fmt.Errorf("db: %s is down", name)
	}
	pid := pr.cmd.Process.Pid
	if err := syscall.Kill(-pid, sig); err != nil {
		return fmt.Errorf("db: %s %s: %w", sig, name, err)
	}
	pr.paused = sig == syscall.SIGSTOP
	if pr.paused {
		// The kernel stops each thread as it next runs: wait for all.
		deadline := time.Now().Add(2 * time.Second)
		for !stopped(pid) {
			if time.Now().After(deadline) {
				return fmt.Errorf("db: %s (pid %d) not stopped 2 s after SIGSTOP", name, pid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return nil
}

// stopped reports whether every thread of process pid is stopped, or the
// process is gone.
func stopped(pid int) bool {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(tasks) == 0 {
		return true
	}
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 || i+2 >= len(b) {
			continue
		}
		if st := b[i+2]; st != 'T' && st != 't' && st != 'Z' && st != 'X' {
			return false
		}
	}
	return true
}

// Partition cuts the links between hosts (by node name) in different
// groups, both ways, replacing any earlier partition. Without a packet
// filter it returns the *netfault.UnavailableError that says why.
func (c *Cluster) Partition(groups [][]string) error {
	if c.filter == nil {
		return c.nofilt
	}
	addrs := make([][]netip.Addr, len(groups))
	for i, g := range groups {
		for _, name := range g {
			n, err := c.Node(name)
			if err != nil {
				return err
			}
			addrs[i] = append(addrs[i], n.Addr)
		}
	}
	return c.filter.Partition(addrs)
}

// Heal restores every link.
func (c *Cluster) Heal() error {
	if c.filter == nil {
		return c.nofilt
	}
	return c.filter.Heal()
}

// SetOffset sets the wall clock of process name, which must have been
// started with Skew, to true time + d. libfaketime reads it again within a
// second.
func (c *Cluster) SetOffset(name string, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	pr, err := c.proc(name)
	if err != nil {
		return err
	}
	if !pr.spec.Skew {
		return fmt.Errorf("db: %s does not run under libfaketime", name)
	}
	s := strconv.FormatFloat(d.Seconds(), 'f', 6, 64)
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	// Written whole and renamed, so libfaketime never reads half a line.
	tmp := c.clockFile(name) + ".tmp"
	if err := os.WriteFile(tmp, []byte(s+"\n"), 0o644); err != nil {
		return fmt.Errorf("db: %w", err)
	}
	if err := os.Rename(tmp, c.clockFile(name)); err != nil {
		return fmt.Errorf("db: %w", err)
	}
	return nil
}

// Stop kills every process, removes the packet filter's rules and releases
// the addresses. Stopping twice does nothing.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	for _, name := range slices.Backward(c.order) {
		if err := kill(c.procs[name]); err != nil {
			errs = append(errs, err)
		}
	}
	if c.filter != nil {
		errs = append(errs, c.filter.Close())
	}
	c.release()
	return errors.Join(errs...)
}

// Wait calls ready every 100 ms until it returns nil, ctx ends or limit
// passes; the error names what and ready's last error.
func Wait(ctx context.Context, what string, limit time.Duration, ready func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var last error
	for {
		if last = ready(ctx); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("db: %s not ready within %s: %w", what, limit, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
