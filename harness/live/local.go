package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
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

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/harness"
	"github.com/clockwise-kv/clockwise/netfault"
	"github.com/clockwise-kv/clockwise/node"
	"github.com/clockwise-kv/clockwise/protocol"
)

// How a local cluster's partitions cut its peer links (LocalOptions.Net).
const (
	// NetProxy runs every peer link through a TCP proxy in this process,
	// all on 127.0.0.1; a partition closes the proxies' connections.
	NetProxy = "proxy"
	// NetFilter gives every node a loopback address of its own
	// (netfault.Claim), binds its peer connections to it (node.Config's
	// Source) and cuts links with kernel packet filter rules
	// (netfault.Filter) that drop their packets; it needs root and nft.
	NetFilter = "filter"
)

// Nets are the values of LocalOptions.Net, the default first.
var Nets = []string{NetProxy, NetFilter}

// NodePort is the port every node listens on at its own address under
// NetFilter.
const NodePort = 7001

// LocalOptions tune a local cluster beyond what harness.Config says.
type LocalOptions struct {
	// Net is how partitions cut peer links: NetProxy (also when empty) or
	// NetFilter.
	Net string
	// Binary is the clockwise executable whose `node` command runs each
	// replica, e.g. os.Executable().
	Binary string
	// Logs, if set, is a folder for each node's output (n1.log…, appended
	// across restarts); empty discards it.
	Logs string
	// Data, if set, is a folder for each node's data folder
	// (Data/n1/data…, node.Config.Data): a killed node comes back with
	// what it stored, and Crash deletes the folder. Empty keeps each
	// store in memory: a killed node comes back empty, as a crashed one.
	Data string
	// Tick, Sync and Timeout are each node's --tick, --sync and --timeout;
	// 0 leaves the node's defaults.
	Tick, Sync, Timeout time.Duration
	// Ready bounds how long a node may take to answer after it starts; 0:
	// 10 s.
	Ready time.Duration
}

// Local is a cluster of `clockwise node` processes on loopback, children of
// this process. Under NetProxy every peer link (from one node to another)
// runs through a TCP proxy in this process, so a partition cuts real
// sockets: the proxies between the sides close their connections and
// refuse new ones. Under NetFilter each node listens on a loopback address
// of its own, reaches its peers directly from it, and a partition is
// packet filter rules that drop every packet between the sides' addresses
// in the kernel, as between hosts (package netfault). Either way clients
// still reach every node. Clocks go through the nodes' admin API.
// Kill sends SIGKILL: with LocalOptions.Data the node keeps its data folder
// and Restart brings it back with its store; Crash sends SIGKILL and deletes
// the data folder (amnesia), and Restart brings the node back empty, as a
// new incarnation (node.Config.Incarnation). Restart starts the node on the
// same port with the clock the nemesis last gave it. Close stops every
// process; on Linux the children are also killed if this process dies
// first.
type Local struct {
	*Remote
	cfg    harness.Config
	opts   LocalOptions
	addrs  map[string]string     // node → its listen address
	links  map[[2]string]*proxy  // (from, to) → the proxy of that link (NetProxy)
	hosts  map[string]netip.Addr // node → its own loopback address (NetFilter)
	block  *netfault.Block       // the hosts' claim (NetFilter)
	filter *netfault.Filter      // (NetFilter)
	hc     *http.Client

	mu     sync.Mutex
	procs  map[string]*process    // nil while killed
	incarn map[string]int         // each node's incarnation: how often it lost its store
	lost   map[string]bool        // nodes down whose store is gone: they restart as the next incarnation
	clocks map[string]clock.Clock // the clock each node should have
	closed bool
}

type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // cmd.Wait's, once exited is closed
}

// StartLocal starts cfg.Nodes nodes of cfg.Strategy (with cfg.Options,
// cfg.W and cfg.Replicas) and waits until each answers. Under NetFilter it
// first sweeps the packet filter tables of runs that died without removing
// them (netfault.Sweep), claims an address per node and creates the filter,
// before any node starts; without root or nft it returns the
// *netfault.UnavailableError that says why. On an error every process it
// started is stopped again, and the filter removed.
func StartLocal(ctx context.Context, cfg harness.Config, opts LocalOptions) (*Local, error) {
	if opts.Binary == "" {
		return nil, errors.New("harness: a local cluster needs the clockwise binary")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Ready <= 0 {
		opts.Ready = 10 * time.Second
	}
	switch opts.Net {
	case "":
		opts.Net = NetProxy
	case NetProxy, NetFilter:
	default:
		return nil, fmt.Errorf("harness: network %q: want %s", opts.Net, strings.Join(Nets, " or "))
	}
	if opts.Logs != "" {
		if err := os.MkdirAll(opts.Logs, 0o755); err != nil {
			return nil, fmt.Errorf("harness: %w", err)
		}
	}
	l := &Local{
		cfg: cfg, opts: opts, addrs: map[string]string{}, links: map[[2]string]*proxy{},
		hosts: map[string]netip.Addr{}, procs: map[string]*process{}, clocks: map[string]clock.Clock{}, incarn: map[string]int{}, lost: map[string]bool{},
	}
	fail := func(err error) (*Local, error) {
		l.Close()
		return nil, err
	}
	var names, urls []string
	if opts.Net == NetFilter {
		if err := l.claim(cfg.Nodes); err != nil {
			return fail(err)
		}
		for i, h := range l.block.Hosts() {
			n := fmt.Sprintf("n%d", i+1)
			names = append(names, n)
			l.hosts[n] = h
			l.addrs[n] = netip.AddrPortFrom(h, NodePort).String()
			urls = append(urls, "http://"+l.addrs[n])
		}
	}
	taken := map[string]bool{}
	for i := 1; i <= cfg.Nodes && opts.Net == NetProxy; i++ {
		n := fmt.Sprintf("n%d", i)
		addr, err := freePort()
		for err == nil && taken[addr] { // free, but another node's already
			addr, err = freePort()
		}
		if err != nil {
			return fail(fmt.Errorf("harness: %w", err))
		}
		taken[addr] = true
		names = append(names, n)
		l.addrs[n] = addr
		urls = append(urls, "http://"+addr)
	}
	for _, a := range names {
		for _, b := range names {
			if a == b || opts.Net != NetProxy {
				continue
			}
			p, err := newProxy(l.addrs[b])
			if err != nil {
				return fail(fmt.Errorf("harness: proxy %s→%s: %w", a, b, err))
			}
			l.links[[2]string{a, b}] = p
		}
	}
	l.hc = newHTTPClient(cfg.Clients + 4)
	for _, n := range names {
		if err := l.start(ctx, n); err != nil {
			return fail(err)
		}
	}
	remote, err := dialRemote(ctx, urls, l.hc)
	if err != nil {
		return fail(err)
	}
	l.Remote = remote
	return l, nil
}

// claim sweeps the tables of dead runs, holds an address per node and
// creates the packet filter over them.
func (l *Local) claim(n int) error {
	if err := netfault.Available(); err != nil {
		return err
	}
	if _, err := netfault.Sweep(); err != nil {
		return fmt.Errorf("harness: removing the packet filter tables of earlier runs: %w", err)
	}
	b, err := netfault.Claim(n, []int{NodePort})
	if err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	l.block = b
	if l.filter, err = netfault.New(b.Hosts()); err != nil {
		return err
	}
	return nil
}

// freePort returns a loopback address nobody listens on right now.
func freePort() (string, error) {
	// A port the kernel hands out for outgoing connections may be taken
	// as a client's source port between this check and the node's bind,
	// and a busy run opens thousands: pick below that range.
	lo, hi := 10000, ephemeralLow()
	for range 64 {
		if hi-lo < 1000 {
			break
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(lo+rand.IntN(hi-lo))))
		if err == nil {
			addr := ln.Addr().String()
			ln.Close()
			return addr, nil
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// ephemeralLow is the lowest port of the kernel's range for outgoing
// connections (Linux's net.ipv4.ip_local_port_range), or 32768.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 32768
	}
	return n
}

// args is node's command line: its node.Config, written by Config.Args. A
// node whose store was lost comes back as the next incarnation
// (node.Config.Incarnation), so it does not reuse its counters.
func (l *Local) args(n string) []string {
	c := node.DefaultConfig()
	c.ID, c.Listen, c.Peers = n, l.addrs[n], map[string]string{}
	for link, p := range l.links {
		if link[0] == n {
			c.Peers[link[1]] = p.addr()
		}
	}
	if h, ok := l.hosts[n]; ok { // NetFilter: straight to the peers, from n's own address
		c.Source = h.String()
		for m := range l.hosts {
			if m != n {
				c.Peers[m] = l.addrs[m]
			}
		}
	}
	c.Incarnation = l.incarn[n]
	c.Data = l.dataDir(n)
	c.Strategy, c.W, c.Replicas = l.cfg.Strategy, max(l.cfg.W, 1), l.cfg.Replicas
	c.Options.Epsilon = l.cfg.Options.Epsilon
	if l.cfg.Options.Prune > 0 {
		c.Options.Prune = l.cfg.Options.Prune
	}
	for _, d := range []struct {
		to *time.Duration
		v  time.Duration
	}{{&c.Tick, l.opts.Tick}, {&c.Sync, l.opts.Sync}, {&c.Timeout, l.opts.Timeout}} {
		if d.v > 0 {
			*d.to = d.v
		}
	}
	return append([]string{"node"}, c.Args()...)
}

// start runs node's process and waits until it answers GET /admin/info.
func (l *Local) start(ctx context.Context, n string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("harness: the local cluster is closed")
	}
	if l.procs[n] != nil {
		return fmt.Errorf("harness: %s is already running", n)
	}
	var out io.WriteCloser
	if l.opts.Logs != "" {
		f, err := os.OpenFile(filepath.Join(l.opts.Logs, n+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("harness: %w", err)
		}
		out = f
	}
	if l.lost[n] {
		l.incarn[n]++
		l.lost[n] = false
	}
	cmd := exec.Command(l.opts.Binary, l.args(n)...)
	// A local node listens on loopback and needs no token: one in the
	// environment would lock the harness out of its own nodes.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, protocol.TokenEnv+"=") })
	cmd.SysProcAttr = sysProcAttr()
	if out != nil {
		cmd.Stdout, cmd.Stderr = out, out
	}
	if err := cmd.Start(); err != nil {
		if out != nil {
			out.Close()
		}
		return fmt.Errorf("harness: starting %s: %w", n, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		if out != nil {
			out.Close()
		}
		close(p.exited)
	}()
	l.procs[n] = p
	c, err := protocol.NewClient(l.addrs[n], l.hc)
	if err != nil {
		return err
	}
	if err := l.ready(ctx, n, p, c); err != nil {
		_ = cmd.Process.Kill() // a node that never answered is no use
		<-p.exited
		l.procs[n] = nil
		return err
	}
	if clk, ok := l.clocks[n]; ok && !clk.True() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := c.SetClock(sctx, protocol.ClockOf(clk)); err != nil {
			return fmt.Errorf("harness: %s restarted, but its clock could not be set: %w", n, err)
		}
	}
	return nil
}

// ready waits until node n, process p, answers GET /admin/info.
func (l *Local) ready(ctx context.Context, n string, p *process, c *protocol.Client) error {
	deadline := time.Now().Add(l.opts.Ready)
	for {
		rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		_, err := c.Info(rctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("harness: %s exited as it started (%v)%s", n, p.err, l.logHint(n))
		case <-ctx.Done():
			return fmt.Errorf("harness: starting %s: %w", n, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("harness: %s did not answer within %v: %v%s", n, l.opts.Ready, err, l.logHint(n))
		}
	}
}

func (l *Local) logHint(n string) string {
	if l.opts.Logs == "" {
		return ""
	}
	return "; see " + filepath.Join(l.opts.Logs, n+".log")
}

// dataDir is node n's data folder, or "" when nodes keep their store in
// memory.
func (l *Local) dataDir(n string) string {
	if l.opts.Data == "" {
		return ""
	}
	return filepath.Join(l.opts.Data, n, "data")
}

// Kill implements Target: SIGKILL, then wait for the process to be gone.
// Its data folder stays: Restart brings the node back with its store (or
// empty, without LocalOptions.Data).
func (l *Local) Kill(ctx context.Context, n string) error {
	return l.kill(ctx, n, false)
}

// Crash implements Target: SIGKILL, wait for the process to be gone, and
// delete its data folder: Restart brings the node back empty, as its next
// incarnation.
func (l *Local) Crash(ctx context.Context, n string) error {
	return l.kill(ctx, n, true)
}

// kill stops n with SIGKILL, and deletes its data folder if wipe.
func (l *Local) kill(ctx context.Context, n string, wipe bool) error {
	l.mu.Lock()
	p := l.procs[n]
	l.procs[n] = nil
	if p != nil {
		l.lost[n] = wipe || l.opts.Data == ""
	}
	l.mu.Unlock()
	if p == nil {
		return fmt.Errorf("%s is not running", n)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing %s: %w", n, err)
	}
	select {
	case <-p.exited:
	case <-ctx.Done():
		return ctx.Err()
	}
	if d := l.dataDir(n); wipe && d != "" {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("%s is killed, but its data folder could not be deleted: %w", n, err)
		}
	}
	return nil
}

// Restart implements Target: the node starts again on its port, with the
// store its data folder holds (empty after Crash, or without
// LocalOptions.Data).
func (l *Local) Restart(ctx context.Context, n string) error {
	return l.start(ctx, n)
}

// SetClock implements Target through the admin API. A node that is down
// gets its clock when it restarts.
func (l *Local) SetClock(ctx context.Context, n string, c clock.Clock) error {
	l.mu.Lock()
	l.clocks[n] = c
	down := l.procs[n] == nil
	l.mu.Unlock()
	if down {
		return nil
	}
	return l.Remote.SetClock(ctx, n, c)
}

// Partition implements Target: the proxies of every link between nodes on
// different sides cut their connections, or under NetFilter the packet
// filter drops every packet between their addresses.
func (l *Local) Partition(_ context.Context, groups [][]string) error {
	side := sides(l.names, groups)
	if l.filter != nil {
		by := map[int][]netip.Addr{}
		for _, n := range l.names {
			by[side[n]] = append(by[side[n]], l.hosts[n])
		}
		var g [][]netip.Addr
		for _, k := range slices.Sorted(maps.Keys(by)) {
			g = append(g, by[k])
		}
		if err := l.filter.Partition(g); err != nil {
			return fmt.Errorf("harness: %w", err)
		}
		return nil
	}
	for link, p := range l.links {
		p.setCut(side[link[0]] != side[link[1]])
	}
	return nil
}

// Heal implements Target: every link carries traffic again.
func (l *Local) Heal(context.Context) error {
	if l.filter != nil {
		if err := l.filter.Heal(); err != nil {
			return fmt.Errorf("harness: %w", err)
		}
		return nil
	}
	for _, p := range l.links {
		p.setCut(false)
	}
	return nil
}

// PIDs lists the process ids of the nodes running now.
func (l *Local) PIDs() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int
	for _, p := range l.procs {
		if p != nil {
			out = append(out, p.cmd.Process.Pid)
		}
	}
	slices.Sort(out)
	return out
}

// Describe implements Target.
func (l *Local) Describe() string {
	var parts []string
	for _, n := range l.names {
		parts = append(parts, n+" "+l.addrs[n])
	}
	if l.filter != nil {
		return "local processes " + strings.Join(parts, ", ") +
			"; partitions: packet filter rules (nftables table " + l.filter.Table() + ") drop the packets between the nodes' addresses (clients are never cut)"
	}
	return "local processes " + strings.Join(parts, ", ") +
		"; partitions: TCP proxies on every peer link close their connections (clients are never cut)"
}

// Filter is the cluster's packet filter under NetFilter, nil under
// NetProxy.
func (l *Local) Filter() *netfault.Filter { return l.filter }

// Close stops every node (SIGTERM, then SIGKILL after 3 s) and every proxy,
// and waits for them; under NetFilter it first removes the packet filter,
// and last lets the addresses go. It is safe to call more than once.
func (l *Local) Close() error {
	l.mu.Lock()
	l.closed = true
	procs := l.procs
	l.procs = map[string]*process{}
	l.mu.Unlock()
	var errs []error
	// The rules go first: a check that exits while its nodes stop (its
	// grace after Ctrl-C spent) leaves none behind.
	if l.filter != nil {
		if err := l.filter.Close(); err != nil {
			errs = append(errs, fmt.Errorf("harness: %w", err))
		}
	}
	for n, p := range procs {
		if p == nil {
			continue
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			errs = append(errs, fmt.Errorf("harness: stopping %s: %w", n, err))
		}
		select {
		case <-p.exited:
		case <-time.After(3 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	for _, p := range l.links {
		p.close()
	}
	l.links = map[[2]string]*proxy{}
	if l.block != nil {
		l.block.Release()
	}
	return errors.Join(errs...)
}
