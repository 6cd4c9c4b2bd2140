// Package etcd runs an etcd cluster as local processes (package db) and
// talks to it with etcd's own Go client, go.etcd.io/etcd/client/v3.
//
// Start runs Nodes members (3 unless set), n1…, each with its own loopback
// address, client port 2379 and peer port 2380, its data folder
// <dir>/n1/data and its log <dir>/n1.log, and returns once every member
// answers a linearizable read. A member killed and restarted comes back with
// its data folder, so it rejoins as the member it was.
//
// A Client's operations each have a timeout and require a leader: a member
// that has lost its leader (the minority side of a partition) refuses writes
// at once with "etcdserver: no leader", a definite failure, rather than
// holding them until the timeout; reads, which etcd's client retries on
// such an answer, fail at the timeout. A member that is down or paused
// makes every operation wait for the timeout, indeterminate even when
// nothing was sent, as the client cannot tell. Reads are linearizable unless made
// serializable, which a member answers from its own state, possibly stale.
// Writes that time out, or whose connection breaks after they were sent,
// are indeterminate (db.Error.Definite false).
//
// etcd is a Go program: its clock is not libc's, so libfaketime does not
// skew it (db.Cluster.SetOffset refuses its members).
package etcd

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/clockwise-kv/clockwise/db"
)

// Ports of every member, each on its own address.
const (
	ClientPort = 2379
	PeerPort   = 2380
)

// Options shape a cluster.
type Options struct {
	// Dir is the cluster's folder, created if missing.
	Dir string
	// Nodes is the number of members; 0: 3.
	Nodes int
	// Binary is the etcd executable; "": etcd on the PATH.
	Binary string
	// Ready bounds how long the cluster may take to answer; 0: 30 s.
	Ready time.Duration
	// Timeout bounds each client operation; 0: 2 s.
	Timeout time.Duration
	// HeartbeatInterval and ElectionTimeout are etcd's flags of the same
	// names; 0 leaves etcd's defaults, 100 ms and 1 s.
	HeartbeatInterval, ElectionTimeout time.Duration
}

// Cluster is a running etcd cluster.
type Cluster struct {
	*db.Cluster
	opts Options
}

// Start starts the cluster's members and waits until each answers. On an
// error everything it started is stopped again.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Binary == "" {
		opts.Binary = "etcd"
	}
	bin, err := exec.LookPath(opts.Binary)
	if err != nil {
		return nil, fmt.Errorf("etcd: %w: install Debian's etcd-server package (make dbs)", err)
	}
	if opts.Ready <= 0 {
		opts.Ready = 30 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Second
	}
	cl, err := db.New(db.Options{Dir: opts.Dir, Nodes: opts.Nodes, Ports: []int{ClientPort, PeerPort}})
	if err != nil {
		return nil, err
	}
	c := &Cluster{Cluster: cl, opts: opts}
	fail := func(err error) (*Cluster, error) {
		return nil, errors.Join(err, c.Stop())
	}
	var initial []string
	for _, n := range c.Nodes() {
		initial = append(initial, n.Name+"="+c.peerURL(n))
	}
	token := "clockwise-" + filepath.Base(opts.Dir)
	for _, n := range c.Nodes() {
		args := []string{
			"--name", n.Name,
			"--data-dir", filepath.Join(c.Folder(n.Name), "data"),
			"--listen-peer-urls", c.peerURL(n),
			"--initial-advertise-peer-urls", c.peerURL(n),
			"--listen-client-urls", c.clientURL(n),
			"--advertise-client-urls", c.clientURL(n),
			"--initial-cluster", strings.Join(initial, ","),
			"--initial-cluster-state", "new",
			"--initial-cluster-token", token,
			"--logger", "zap",
			"--log-outputs", "stderr",
		}
		if opts.HeartbeatInterval > 0 {
			args = append(args, "--heartbeat-interval", fmt.Sprint(opts.HeartbeatInterval.Milliseconds()))
		}
		if opts.ElectionTimeout > 0 {
			args = append(args, "--election-timeout", fmt.Sprint(opts.ElectionTimeout.Milliseconds()))
		}
		if err := c.Start(db.Process{Name: n.Name, Node: n.Name, Path: bin, Args: args}); err != nil {
			return fail(err)
		}
	}
	for _, n := range c.Nodes() {
		if err := c.WaitReady(ctx, n.Name); err != nil {
			return fail(err)
		}
	}
	return c, nil
}

func (c *Cluster) peerURL(n db.Node) string {
	return (&url.URL{Scheme: "http", Host: fmt.Sprintf("%s:%d", n.Addr, PeerPort)}).String()
}

func (c *Cluster) clientURL(n db.Node) string {
	return (&url.URL{Scheme: "http", Host: fmt.Sprintf("%s:%d", n.Addr, ClientPort)}).String()
}

// Endpoints are the client URLs of the named members, or of every member
// when none is named.
func (c *Cluster) Endpoints(nodes ...string) ([]string, error) {
	if len(nodes) == 0 {
		for _, n := range c.Nodes() {
			nodes = append(nodes, n.Name)
		}
	}
	var eps []string
	for _, name := range nodes {
		n, err := c.Node(name)
		if err != nil {
			return nil, err
		}
		eps = append(eps, c.clientURL(n))
	}
	return eps, nil
}

// WaitReady waits until member name answers a linearizable read, within
// Options.Ready.
func (c *Cluster) WaitReady(ctx context.Context, name string) error {
	if !c.Running(name) {
		return fmt.Errorf("etcd: %s is down", name)
	}
	cl, err := c.Client(name)
	if err != nil {
		return err
	}
	defer cl.Close()
	return db.Wait(ctx, "etcd "+name, c.opts.Ready, func(ctx context.Context) error {
		if !c.Running(name) {
			return fmt.Errorf("etcd %s exited: see %s", name, c.Log(name))
		}
		_, _, err := cl.Get(ctx, "clockwise-ready", false)
		return err
	})
}

// Client is a client of the named members (every member when none is
// named), balancing over them as etcd's client does.
func (c *Cluster) Client(nodes ...string) (*Client, error) {
	eps, err := c.Endpoints(nodes...)
	if err != nil {
		return nil, err
	}
	return Dial(eps, c.opts.Timeout)
}

// Client runs operations on an etcd cluster, each within its timeout.
type Client struct {
	cli     *clientv3.Client
	timeout time.Duration
}

// Dial makes a client of the given endpoints (client URLs); each operation
// gets timeout.
func Dial(endpoints []string, timeout time.Duration) (*Client, error) {
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: timeout,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("etcd: dial %s: %w", strings.Join(endpoints, ","), err)
	}
	return &Client{cli: cli, timeout: timeout}, nil
}

// Close closes the client's connections.
func (c *Client) Close() error { return c.cli.Close() }

func (c *Client) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	return clientv3.WithRequireLeader(ctx), cancel
}

// A Value is what a key holds: its value and the revision that last
// modified it.
type Value struct {
	Value       string
	ModRevision int64
}

// read gets key (with more, every key under it as a prefix): linearizable
// unless serializable, which the member answers from its own state, with or
// without a leader.
func (c *Client) read(ctx context.Context, key string, serializable bool, more ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	opts := more
	var cancel context.CancelFunc
	if serializable {
		// Without a leader too: a serializable read is the member's own state.
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		opts = append(opts, clientv3.WithSerializable())
	} else {
		ctx, cancel = c.ctx(ctx)
	}
	defer cancel()
	return c.cli.Get(ctx, key, opts...)
}

// Get reads key: linearizable unless serializable, which the member answers
// from its own state, with or without a leader. found is false when the key does not exist.
func (c *Client) Get(ctx context.Context, key string, serializable bool) (v Value, found bool, err error) {
	resp, err := c.read(ctx, key, serializable)
	if err != nil {
		return Value{}, false, classify("get", err)
	}
	if len(resp.Kvs) == 0 {
		return Value{}, false, nil
	}
	kv := resp.Kvs[0]
	return Value{Value: string(kv.Value), ModRevision: kv.ModRevision}, true, nil
}

// Put writes value to key and returns the revision it made.
func (c *Client) Put(ctx context.Context, key, value string) (int64, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.cli.Put(ctx, key, value)
	if err != nil {
		return 0, classify("put", err)
	}
	return resp.Header.Revision, nil
}

// CAS writes value to key if key holds old, in one transaction; ok is false
// when it did not (the key held something else, or nothing).
func (c *Client) CAS(ctx context.Context, key, old, value string) (ok bool, err error) {
	return c.txn(ctx, key, clientv3.Compare(clientv3.Value(key), "=", old), value)
}

// CASRevision writes value to key if key was last modified at revision rev
// (0: if key does not exist), in one transaction.
func (c *Client) CASRevision(ctx context.Context, key string, rev int64, value string) (ok bool, err error) {
	return c.txn(ctx, key, clientv3.Compare(clientv3.ModRevision(key), "=", rev), value)
}

func (c *Client) txn(ctx context.Context, key string, cmp clientv3.Cmp, value string) (bool, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.cli.Txn(ctx).If(cmp).Then(clientv3.OpPut(key, value)).Commit()
	if err != nil {
		return false, classify("cas", err)
	}
	return resp.Succeeded, nil
}

// classify says whether a failed operation certainly took no effect: etcd
// refused it before proposing it (no leader, a bad request, too many
// requests), or the client never reached a member. Anything else, a timeout
// above all, may have taken effect.
func classify(op string, err error) error {
	definite := false
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
	case errors.Is(err, rpctypes.ErrNoLeader), errors.Is(err, rpctypes.ErrGRPCNoLeader):
		definite = true
	default:
		if s, ok := status.FromError(err); ok {
			switch s.Code() {
			case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange, codes.NotFound,
				codes.AlreadyExists, codes.PermissionDenied, codes.Unauthenticated, codes.ResourceExhausted:
				definite = true
			case codes.Unavailable:
				// Refused connections and failed dials never carried the request.
				m := s.Message()
				definite = m == rpctypes.ErrNoLeader.Error() || strings.Contains(m, "connection refused") ||
					strings.Contains(m, "error while dialing") || strings.Contains(m, "no connection")
			}
		}
	}
	return &db.Error{Op: op, Definite: definite, Err: err}
}
