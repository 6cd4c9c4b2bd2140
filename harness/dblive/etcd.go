package dblive

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/db/etcd"
	"github.com/clockwise-kv/clockwise/harness"
)

// EtcdOptions shape how a run uses etcd.
type EtcdOptions struct {
	// Workload is harness.Register (a key per key) or harness.Set (a key per
	// element under the key's prefix, read back by prefix).
	Workload string
	// Serializable makes the clients' reads serializable: a member answers
	// from its own state, possibly stale. The final reads are always
	// linearizable, through each member.
	Serializable bool
	// Prefix is put before every key, so that runs on one database do not
	// share keys.
	Prefix string
	// Timeout bounds each operation.
	Timeout time.Duration
}

// Etcd is an etcd cluster under test: one clockwise started (faults go
// through its db.Cluster), or one someone else runs (faults are skipped).
type Etcd struct {
	c       *etcd.Cluster // nil: someone else's
	names   []string
	clients map[string]*etcd.Client // by node, shared by every process
	urls    map[string]string       // someone else's: client URL by node
	opts    EtcdOptions
}

// errSkewEtcd is why no clock skew reaches etcd.
var errSkewEtcd = errors.New("etcd is a Go program: it reads the clock by system call or vDSO, not through libc, so libfaketime cannot skew it")

// NewEtcd is the etcd cluster c, which clockwise started.
func NewEtcd(c *etcd.Cluster, o EtcdOptions) (*Etcd, error) {
	e := &Etcd{c: c, opts: o, clients: map[string]*etcd.Client{}}
	for _, n := range c.Nodes() {
		cl, err := c.Client(n.Name)
		if err != nil {
			e.Close()
			return nil, err
		}
		e.names = append(e.names, n.Name)
		e.clients[n.Name] = cl
	}
	return e, nil
}

// DialEtcd is an etcd cluster someone else started, whose members' client
// URLs are urls (n1… in that order).
func DialEtcd(urls []string, o EtcdOptions) (*Etcd, error) {
	e := &Etcd{opts: o, clients: map[string]*etcd.Client{}, urls: map[string]string{}}
	for i, u := range urls {
		cl, err := etcd.Dial([]string{u}, o.Timeout)
		if err != nil {
			e.Close()
			return nil, err
		}
		n := fmt.Sprintf("n%d", i+1)
		e.names = append(e.names, n)
		e.clients[n] = cl
		e.urls[n] = u
	}
	return e, nil
}

// Close closes the clients.
func (e *Etcd) Close() error {
	var errs []error
	for _, cl := range e.clients {
		errs = append(errs, cl.Close())
	}
	return errors.Join(errs...)
}

func (e *Etcd) Nodes() []string { return e.names }

func (e *Etcd) Describe() string {
	if e.c == nil {
		return "etcd someone else started: " + strings.Join(e.names, ", ")
	}
	return "etcd, " + fmt.Sprint(len(e.names)) + " members started by clockwise in " + e.c.Dir()
}

type etcdClient struct {
	e            *Etcd
	serializable bool
	own          *etcd.Client // a final client's own, with FinalTimeout
}

func (e *Etcd) Client(string) (Client, error) {
	return etcdClient{e: e, serializable: e.opts.Serializable}, nil
}

// Final reads linearizably through node, within FinalTimeout: the member
// asks the leader how far to read, so it answers with every committed write.
func (e *Etcd) Final(node string) (Client, error) {
	var eps []string
	if e.c != nil {
		var err error
		if eps, err = e.c.Endpoints(node); err != nil {
			return nil, err
		}
	} else {
		eps = []string{e.urls[node]}
	}
	cl, err := etcd.Dial(eps, FinalTimeout)
	if err != nil {
		return nil, err
	}
	return etcdClient{e: e, own: cl}, nil
}

func (c etcdClient) Close() error {
	if c.own != nil {
		return c.own.Close()
	}
	return nil
}

func (c etcdClient) client(node string) *etcd.Client {
	if c.own != nil {
		return c.own
	}
	return c.e.clients[node]
}

func (c etcdClient) Read(ctx context.Context, key, node string) ([]string, string, error) {
	cl := c.client(node)
	if cl == nil {
		return nil, "", fmt.Errorf("dblive: no node %q", node)
	}
	k := c.e.opts.Prefix + key
	if c.e.opts.Workload == harness.Set {
		ids, err := cl.List(ctx, k+"/", c.serializable)
		return ids, "", err
	}
	v, found, err := cl.Get(ctx, k, c.serializable)
	if err != nil || !found {
		return []string{}, "", err
	}
	return []string{v.Value}, "", nil
}

func (c etcdClient) Write(ctx context.Context, key, node, id string) (string, error) {
	cl := c.client(node)
	if cl == nil {
		return "", fmt.Errorf("dblive: no node %q", node)
	}
	k := c.e.opts.Prefix + key
	if c.e.opts.Workload == harness.Set {
		k += "/" + id
	}
	_, err := cl.Put(ctx, k, id)
	return "", err
}

// notOurs is why a fault cannot reach a database someone else started.
func notOurs(what string) error {
	return fmt.Errorf("clockwise cannot %s a database it did not start (--db-addrs)", what)
}

func (e *Etcd) Partition(groups [][]string) error {
	if e.c == nil {
		return notOurs("partition")
	}
	return e.c.Partition(groups)
}

func (e *Etcd) Heal() error {
	if e.c == nil {
		return notOurs("heal")
	}
	return e.c.Heal()
}

func (e *Etcd) Kill(node string) error {
	if e.c == nil {
		return notOurs("kill")
	}
	return e.c.Kill(node)
}

func (e *Etcd) Restart(_ context.Context, node string) error {
	if e.c == nil {
		return notOurs("restart")
	}
	return e.c.Restart(node)
}

func (e *Etcd) Pause(node string) error {
	if e.c == nil {
		return notOurs("pause")
	}
	return e.c.Pause(node)
}

func (e *Etcd) Resume(node string) error {
	if e.c == nil {
		return notOurs("resume")
	}
	return e.c.Resume(node)
}

func (e *Etcd) SetOffset(string, time.Duration) error { return errSkewEtcd }

func (e *Etcd) Leader(ctx context.Context) (string, error) {
	if e.c == nil {
		return "", notOurs("partition")
	}
	return e.c.Leader(ctx)
}

// Settle waits until every member answers a linearizable read: a leader
// leads them all.
func (e *Etcd) Settle(ctx context.Context) error {
	if e.c == nil {
		return nil
	}
	for _, n := range e.names {
		if err := e.c.WaitReady(ctx, n); err != nil {
			return err
		}
	}
	return nil
}
