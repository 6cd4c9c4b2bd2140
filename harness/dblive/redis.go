package dblive

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/clockwise-kv/clockwise/db"
	"github.com/clockwise-kv/clockwise/db/redis"
	"github.com/clockwise-kv/clockwise/harness"
)

// RedisOptions shape how a run uses Redis.
type RedisOptions struct {
	// Workload is harness.Register (GET and SET) or harness.Set (SADD and
	// SMEMBERS of a set per key).
	Workload string
	// Wait follows each write with WAIT 1: a write that no replica
	// acknowledged within the timeout is recorded indeterminate, not
	// acknowledged.
	Wait bool
	// Prefix is put before every key.
	Prefix string
	// Timeout bounds each operation.
	Timeout time.Duration
	// Skew is why the cluster runs without libfaketime (a *db.SkewError),
	// for skew faults to be skipped with; nil when it runs under it.
	Skew error
}

// Redis is a Redis cluster with Sentinel, which clockwise started: clients
// find the primary through the Sentinels, as real clients do.
type Redis struct {
	c    *redis.Cluster
	opts RedisOptions
}

// NewRedis is the cluster c.
func NewRedis(c *redis.Cluster, o RedisOptions) *Redis { return &Redis{c: c, opts: o} }

func (r *Redis) Nodes() []string {
	var out []string
	for _, n := range r.c.Nodes() {
		out = append(out, n.Name)
	}
	return out
}

func (r *Redis) Describe() string {
	return fmt.Sprintf("Redis, %d servers and %d Sentinels started by clockwise in %s", len(r.c.Nodes()), len(r.c.Nodes()), r.c.Dir())
}

type redisClient struct {
	r     *Redis
	cl    *redis.Client
	final bool // reads one server, whatever its role
	node  string
}

// Client is a failover client: it writes to and reads from the server the
// Sentinels name primary.
func (r *Redis) Client(string) (Client, error) {
	return redisClient{r: r, cl: r.c.Client(redis.ClientOptions{Timeout: r.opts.Timeout, Wait: r.opts.Wait})}, nil
}

// Final reads node's server directly.
func (r *Redis) Final(node string) (Client, error) {
	cl, err := r.c.NodeClient(node, redis.ClientOptions{Timeout: FinalTimeout})
	if err != nil {
		return nil, err
	}
	return redisClient{r: r, cl: cl, final: true, node: node}, nil
}

func (c redisClient) Close() error { return c.cl.Close() }

// served is the node whose server the client's connection reached.
func (c redisClient) served() string {
	if c.final {
		return c.node
	}
	return c.r.c.NodeOf(c.cl.Served())
}

func (c redisClient) Read(ctx context.Context, key, _ string) ([]string, string, error) {
	k := c.r.opts.Prefix + key
	if c.r.opts.Workload == harness.Set {
		m, err := c.cl.SMembers(ctx, k)
		slices.Sort(m)
		return m, c.served(), err
	}
	v, found, err := c.cl.Get(ctx, k)
	if err != nil || !found {
		return []string{}, c.served(), err
	}
	return []string{v}, c.served(), nil
}

func (c redisClient) Write(ctx context.Context, key, _, id string) (string, error) {
	k := c.r.opts.Prefix + key
	var ack redis.Ack
	var err error
	if c.r.opts.Workload == harness.Set {
		ack, err = c.cl.SAdd(ctx, k, id)
	} else {
		ack, err = c.cl.Set(ctx, k, id)
	}
	served := c.served()
	switch {
	case err != nil:
		return served, err
	case ack.Waited && ack.WaitErr != nil:
		return served, &db.Error{Op: "wait", Err: fmt.Errorf("the write was applied, WAIT 1 failed: %w", ack.WaitErr)}
	case ack.Waited && ack.Replicas < 1:
		return served, &db.Error{Op: "wait", Err: fmt.Errorf("the write was applied, WAIT 1 answered %d replicas", ack.Replicas)}
	}
	return served, nil
}

func (r *Redis) Partition(groups [][]string) error { return r.c.Partition(groups) }
func (r *Redis) Heal() error                       { return r.c.Heal() }

// Kill kills node's server; its Sentinel keeps running.
func (r *Redis) Kill(node string) error { return r.c.Kill(node) }

func (r *Redis) Restart(_ context.Context, node string) error { return r.c.Restart(node) }
func (r *Redis) Pause(node string) error                      { return r.c.Pause(node) }
func (r *Redis) Resume(node string) error                     { return r.c.Resume(node) }

func (r *Redis) SetOffset(node string, d time.Duration) error {
	if r.opts.Skew != nil {
		return r.opts.Skew
	}
	return r.c.SetOffset(node, d)
}

// Leader is the primary most Sentinels name now.
func (r *Redis) Leader(ctx context.Context) (string, error) {
	votes := map[string]int{}
	var errs []error
	for _, n := range r.c.Nodes() {
		p, err := r.c.Primary(ctx, n.Name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		votes[p]++
	}
	best, most := "", 0
	for _, n := range r.Nodes() {
		if votes[n] > most {
			best, most = n, votes[n]
		}
	}
	if 2*most <= len(r.c.Nodes()) {
		return "", fmt.Errorf("redis: no primary named by a majority of the Sentinels (%v): %w", votes, errors.Join(errs...))
	}
	return best, nil
}

// Settle waits until the Sentinels agree on a primary that has every other
// server as an online replica, and every replica has its whole stream.
func (r *Redis) Settle(ctx context.Context) error {
	var last error
	for range 3 {
		var primary string
		if last = db.Wait(ctx, "a primary named by most Sentinels", 30*time.Second, func(ctx context.Context) (err error) {
			primary, err = r.Leader(ctx)
			return err
		}); last != nil {
			continue
		}
		if last = r.c.WaitSettled(ctx, primary); last != nil {
			continue
		}
		if last = r.c.WaitReplicated(ctx, primary); last == nil {
			return nil
		}
	}
	return last
}
