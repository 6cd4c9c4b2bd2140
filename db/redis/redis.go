// Package redis runs Redis with Sentinel as local processes (package db) and
// talks to it with github.com/redis/go-redis/v9, finding the primary through
// the Sentinels as real clients do.
//
// Start runs, on each of Nodes hosts (3 unless set), a redis-server (process
// n1…, port 6379) and a Sentinel (process s1…, port 26379, redis-server
// --sentinel), each with its configuration file, data folder and log in the
// cluster's folder. n1 starts as the primary and the others as its replicas;
// the Sentinels monitor it as MasterName with a quorum of a majority, a
// down-after of DownAfter (1 s unless set) and a failover timeout of
// FailoverTimeout (3 s unless set), so that a primary cut off from the
// majority is replaced within a few seconds. Sentinels rewrite the
// configuration files as roles change, so a server killed and restarted comes
// back in the role it last had, with its data (append-only file, fsync every
// second).
//
// On loopback every connection that does not bind first comes from
// 127.0.0.1, so each server announces its own address to the others
// (replica-announce-ip, and binds its outgoing connections with
// bind-source-addr) and each Sentinel announces its own (announce-ip):
// otherwise a Sentinel would learn every replica and Sentinel as 127.0.0.1.
//
// A Client writes with SET and SADD and, with Wait, follows each write with
// WAIT 1 <WaitTimeout> on the same connection, reporting how many replicas
// acknowledged it. WAIT makes no write durable: a primary cut off from its
// replicas still applies the write and answers 0 at the timeout, and a
// failover may still discard a write that reached one replica.
//
// Redis and its Sentinel read the wall clock through libc, so with Skew every
// process runs under libfaketime and SetOffset moves a host's clock: its
// server's (key expiry on replicas) and its Sentinel's (failure detection and
// failover timing read it). Debian's redis-server cannot run so: it links
// jemalloc, which reads the clock while libfaketime initializes, and hangs
// (libfaketime issue #130); Start with Skew then returns the *db.SkewError
// that says so, for the caller to record skew as skipped, and a redis-server
// built without jemalloc (Options.Binary) would take it.
//
// go-redis logs to standard error; importing this package silences it, as
// every error reaches the caller.
package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/clockwise-kv/clockwise/db"
)

func init() { goredis.SetLogger(quiet{}) }

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// Ports of every host's server and Sentinel, each host on its own address.
const (
	Port         = 6379
	SentinelPort = 26379
)

// MasterName is the name the Sentinels monitor the primary under.
const MasterName = "clockwise"

// Options shape a cluster.
type Options struct {
	// Dir is the cluster's folder, created if missing.
	Dir string
	// Nodes is the number of hosts; 0: 3.
	Nodes int
	// Binary is the redis-server executable; "": redis-server on the PATH.
	Binary string
	// Ready bounds how long the cluster may take to settle; 0: 30 s.
	Ready time.Duration
	// DownAfter and FailoverTimeout are Sentinel's down-after-milliseconds and
	// failover-timeout; 0: 1 s and 3 s.
	DownAfter, FailoverTimeout time.Duration
	// Skew runs every process under libfaketime, so that SetOffset works.
	Skew bool
}

// Cluster is a running Redis cluster with its Sentinels.
type Cluster struct {
	*db.Cluster
	opts Options
}

// Sentinel is the name of the Sentinel process on node (s1 on n1).
func Sentinel(node string) string { return "s" + strings.TrimPrefix(node, "n") }

// Start starts every server and Sentinel and waits until the primary has
// every replica online and every Sentinel knows them all. On an error
// everything it started is stopped again.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Binary == "" {
		opts.Binary = "redis-server"
	}
	bin, err := exec.LookPath(opts.Binary)
	if err != nil {
		return nil, fmt.Errorf("redis: %w: install Debian's redis-server package (make dbs)", err)
	}
	if opts.Ready <= 0 {
		opts.Ready = 30 * time.Second
	}
	if opts.DownAfter <= 0 {
		opts.DownAfter = time.Second
	}
	if opts.FailoverTimeout <= 0 {
		opts.FailoverTimeout = 3 * time.Second
	}
	cl, err := db.New(db.Options{Dir: opts.Dir, Nodes: opts.Nodes, Ports: []int{Port, SentinelPort}})
	if err != nil {
		return nil, err
	}
	c := &Cluster{Cluster: cl, opts: opts}
	fail := func(err error) (*Cluster, error) {
		return nil, errors.Join(err, c.Stop())
	}
	nodes := c.Nodes()
	primary := nodes[0]
	for _, n := range nodes {
		conf := []string{
			"bind " + n.Addr.String(),
			"port " + strconv.Itoa(Port),
			"protected-mode no",
			"daemonize no",
			`logfile ""`,
			"dir " + c.Folder(n.Name),
			"appendonly yes",
			"appendfsync everysec",
			`save ""`,
			"replica-announce-ip " + n.Addr.String(),
			"bind-source-addr " + n.Addr.String(),
		}
		if n != primary {
			conf = append(conf, fmt.Sprintf("replicaof %s %d", primary.Addr, Port))
		}
		if err := c.start(n.Name, n.Name, bin, conf); err != nil {
			return fail(err)
		}
	}
	quorum := len(nodes)/2 + 1
	for _, n := range nodes {
		conf := []string{
			"bind " + n.Addr.String(),
			"port " + strconv.Itoa(SentinelPort),
			"protected-mode no",
			"daemonize no",
			`logfile ""`,
			"dir " + c.Folder(Sentinel(n.Name)),
			"bind-source-addr " + n.Addr.String(),
			"sentinel announce-ip " + n.Addr.String(),
			fmt.Sprintf("sentinel monitor %s %s %d %d", MasterName, primary.Addr, Port, quorum),
			fmt.Sprintf("sentinel down-after-milliseconds %s %d", MasterName, opts.DownAfter.Milliseconds()),
			fmt.Sprintf("sentinel failover-timeout %s %d", MasterName, opts.FailoverTimeout.Milliseconds()),
			fmt.Sprintf("sentinel parallel-syncs %s 1", MasterName),
		}
		if err := c.start(Sentinel(n.Name), n.Name, bin, conf, "--sentinel"); err != nil {
			return fail(err)
		}
	}
	if err := c.WaitSettled(ctx, primary.Name); err != nil {
		return fail(err)
	}
	return c, nil
}

// start writes process name's configuration file and starts it.
func (c *Cluster) start(name, node, bin string, conf []string, args ...string) error {
	if err := os.MkdirAll(c.Folder(name), 0o755); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	path := c.Folder(name) + "/redis.conf"
	if err := os.WriteFile(path, []byte(strings.Join(conf, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return c.Start(db.Process{Name: name, Node: node, Path: bin, Args: append([]string{path}, args...), Skew: c.opts.Skew})
}

// Addr is the address of node's server.
func (c *Cluster) Addr(node string) (string, error) {
	n, err := c.Node(node)
	if err != nil {
		return "", err
	}
	return netip.AddrPortFrom(n.Addr, Port).String(), nil
}

// SentinelAddrs are the addresses of every Sentinel, s1 first.
func (c *Cluster) SentinelAddrs() []string {
	var addrs []string
	for _, n := range c.Nodes() {
		addrs = append(addrs, netip.AddrPortFrom(n.Addr, SentinelPort).String())
	}
	return addrs
}

// SetOffset sets the wall clock of node's server and Sentinel to true time +
// d; the cluster must run with Skew.
func (c *Cluster) SetOffset(node string, d time.Duration) error {
	if !c.opts.Skew {
		return errors.New("redis: the cluster runs without libfaketime (Options.Skew)")
	}
	return errors.Join(c.Cluster.SetOffset(node, d), c.Cluster.SetOffset(Sentinel(node), d))
}

// Primary is the node that node's Sentinel names as the primary now.
func (c *Cluster) Primary(ctx context.Context, node string) (string, error) {
	n, err := c.Node(node)
	if err != nil {
		return "", err
	}
	sc := goredis.NewSentinelClient(&goredis.Options{Addr: netip.AddrPortFrom(n.Addr, SentinelPort).String(),
		DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
	defer sc.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	hp, err := sc.GetMasterAddrByName(ctx, MasterName).Result()
	if err != nil {
		return "", fmt.Errorf("redis: sentinel %s: %w", Sentinel(node), err)
	}
	if len(hp) != 2 {
		return "", fmt.Errorf("redis: sentinel %s answered %q", Sentinel(node), hp)
	}
	for _, m := range c.Nodes() {
		if m.Addr.String() == hp[0] && hp[1] == strconv.Itoa(Port) {
			return m.Name, nil
		}
	}
	return "", fmt.Errorf("redis: sentinel %s names %s:%s, no node of the cluster", Sentinel(node), hp[0], hp[1])
}

// Role is what node's server says it is: "master" or "slave".
func (c *Cluster) Role(ctx context.Context, node string) (string, error) {
	info, err := c.info(ctx, node)
	if err != nil {
		return "", err
	}
	return info["role"], nil
}

// info is node's INFO replication as fields.
func (c *Cluster) info(ctx context.Context, node string) (map[string]string, error) {
	addr, err := c.Addr(node)
	if err != nil {
		return nil, err
	}
	rc := goredis.NewClient(&goredis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
	defer rc.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := rc.Info(ctx, "replication").Result()
	if err != nil {
		return nil, fmt.Errorf("redis: %s: %w", node, err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = v
		}
	}
	return m, nil
}

// WaitSettled waits, within Options.Ready, until primary serves as the
// primary with every other server an online replica, and every Sentinel
// names it and knows every replica and every other Sentinel.
func (c *Cluster) WaitSettled(ctx context.Context, primary string) error {
	want := len(c.Nodes()) - 1
	return db.Wait(ctx, "redis with "+primary+" as primary", c.opts.Ready, func(ctx context.Context) error {
		info, err := c.info(ctx, primary)
		if err != nil {
			return err
		}
		if info["role"] != "master" {
			return fmt.Errorf("%s is %s", primary, info["role"])
		}
		online := 0
		for i := range want + 4 {
			if strings.Contains(info["slave"+strconv.Itoa(i)], "state=online") {
				online++
			}
		}
		if online != want {
			return fmt.Errorf("%s has %d of %d replicas online", primary, online, want)
		}
		for _, n := range c.Nodes() {
			if err := c.sentinelKnows(ctx, n, primary, want); err != nil {
				return err
			}
		}
		return nil
	})
}

func (c *Cluster) sentinelKnows(ctx context.Context, n db.Node, primary string, others int) error {
	sc := goredis.NewSentinelClient(&goredis.Options{Addr: netip.AddrPortFrom(n.Addr, SentinelPort).String(),
		DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
	defer sc.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	m, err := sc.Master(ctx, MasterName).Result()
	if err != nil {
		return fmt.Errorf("sentinel %s: %w", Sentinel(n.Name), err)
	}
	p, err := c.Node(primary)
	if err != nil {
		return err
	}
	if m["ip"] != p.Addr.String() || strings.Contains(m["flags"], "down") {
		return fmt.Errorf("sentinel %s names %s (%s)", Sentinel(n.Name), m["ip"], m["flags"])
	}
	if m["num-slaves"] != strconv.Itoa(others) || m["num-other-sentinels"] != strconv.Itoa(others) {
		return fmt.Errorf("sentinel %s knows %s replicas and %s other sentinels", Sentinel(n.Name), m["num-slaves"], m["num-other-sentinels"])
	}
	return nil
}

// ClientOptions shape a client.
type ClientOptions struct {
	// Timeout bounds each operation; 0: 2 s.
	Timeout time.Duration
	// Wait follows each write with WAIT 1 WaitTimeout (0: 1 s).
	Wait        bool
	WaitTimeout time.Duration
}

// Client runs operations on the primary, or on one node.
type Client struct {
	rdb  goredis.UniversalClient
	opts ClientOptions
	addr *atomic.Value // the server of the last connection dialed (Served)
}

func (o *ClientOptions) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.WaitTimeout <= 0 {
		o.WaitTimeout = time.Second
	}
}

// Client is a client of whichever server the Sentinels name the primary, as
// go-redis's failover client finds it: it asks the Sentinels in turn and
// follows their switch-master announcements. It never retries an operation.
func (c *Cluster) Client(opts ClientOptions) *Client {
	opts.defaults()
	read := opts.Timeout
	if opts.Wait {
		read += opts.WaitTimeout
	}
	rdb := goredis.NewFailoverClient(&goredis.FailoverOptions{
		MasterName:    MasterName,
		SentinelAddrs: c.SentinelAddrs(),
		MaxRetries:    -1,
		DialTimeout:   opts.Timeout,
		ReadTimeout:   read,
		WriteTimeout:  opts.Timeout,
	})
	cl := &Client{rdb: rdb, opts: opts, addr: &atomic.Value{}}
	rdb.AddHook(served{cl.addr})
	return cl
}

// NodeClient is a client of node's server alone, whatever its role.
func (c *Cluster) NodeClient(node string, opts ClientOptions) (*Client, error) {
	opts.defaults()
	addr, err := c.Addr(node)
	if err != nil {
		return nil, err
	}
	read := opts.Timeout
	if opts.Wait {
		read += opts.WaitTimeout
	}
	rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1,
		DialTimeout: opts.Timeout, ReadTimeout: read, WriteTimeout: opts.Timeout})
	return &Client{rdb: rdb, opts: opts}, nil
}

// Close closes the client's connections.
func (c *Client) Close() error { return c.rdb.Close() }

// An Ack is what a write's WAIT said, when the client waits.
type Ack struct {
	// Waited is true when WAIT was issued after the write.
	Waited bool
	// Replicas is how many replicas had acknowledged the write when WAIT
	// returned (at the latest at WaitTimeout); -1 when WAIT failed.
	Replicas int
	// WaitErr is why WAIT failed, the write having been acknowledged.
	WaitErr error
}

// Get reads key; found is false when it does not exist.
func (c *Client) Get(ctx context.Context, key string) (value string, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	v, err := c.rdb.Get(ctx, key).Result()
	if errors.Is(err, goredis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, classify("get", err)
	}
	return v, true, nil
}

// Set writes value to key with SET.
func (c *Client) Set(ctx context.Context, key, value string) (Ack, error) {
	return c.write(ctx, "set", func(p goredis.Pipeliner) goredis.Cmder { return p.Set(ctx, key, value, 0) })
}

// SAdd adds member to the set at key with SADD.
func (c *Client) SAdd(ctx context.Context, key, member string) (Ack, error) {
	return c.write(ctx, "sadd", func(p goredis.Pipeliner) goredis.Cmder { return p.SAdd(ctx, key, member) })
}

// SMembers reads the set at key (empty when it does not exist).
func (c *Client) SMembers(ctx context.Context, key string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	m, err := c.rdb.SMembers(ctx, key).Result()
	if err != nil {
		return nil, classify("smembers", err)
	}
	return m, nil
}

// write runs one write, followed by WAIT on the same connection when the
// client waits.
func (c *Client) write(ctx context.Context, op string, cmd func(goredis.Pipeliner) goredis.Cmder) (Ack, error) {
	d := c.opts.Timeout
	if c.opts.Wait {
		d += c.opts.WaitTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	p := c.rdb.Pipeline()
	w := cmd(p)
	var wait *goredis.Cmd
	if c.opts.Wait {
		wait = p.Do(ctx, "wait", 1, c.opts.WaitTimeout.Milliseconds())
	}
	_, _ = p.Exec(ctx)
	if err := w.Err(); err != nil {
		return Ack{}, classify(op, err)
	}
	if wait == nil {
		return Ack{}, nil
	}
	n, err := wait.Int64()
	if err != nil {
		return Ack{Waited: true, Replicas: -1, WaitErr: err}, nil
	}
	return Ack{Waited: true, Replicas: int(n)}, nil
}

// classify says whether a failed operation certainly took no effect: the
// server refused it with an error reply (READONLY on a replica, LOADING,
// MASTERDOWN), or it was never sent (no connection, no primary named by any
// Sentinel). A timeout or a connection lost after sending may have taken
// effect.
func classify(op string, err error) error {
	definite := false
	var re goredis.Error
	var ne *net.OpError
	switch {
	case errors.As(err, &re) && !errors.Is(err, goredis.Nil):
		definite = !isNetwork(err)
	case errors.As(err, &ne) && ne.Op == "dial":
		definite = true
	case errors.Is(err, goredis.ErrPoolTimeout), errors.Is(err, goredis.ErrClosed):
		definite = true
	case strings.Contains(err.Error(), "sentinels specified in configuration are unreachable"),
		strings.Contains(err.Error(), "redis: the master is down"):
		definite = true
	}
	return &db.Error{Op: op, Definite: definite, Err: err}
}

// isNetwork reports whether err came from the connection, not a reply.
func isNetwork(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}
