package redis

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"

	"github.com/clockwise-kv/clockwise/db"
)

// served is a go-redis hook that remembers the server address of the
// connection a client dialed last: a failover client dials the primary the
// Sentinels named, and drops its connections to any other on a switch, so
// the last connection dialed is the one its next operation uses.
type served struct{ addr *atomic.Value }

func (s served) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err == nil {
			s.addr.Store(conn.RemoteAddr().String())
		}
		return conn, err
	}
}

func (served) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook { return next }

func (served) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// Served is the address of the server the client's last connection reached
// (host:port), "" before it connected: for a client of the primary, the
// server that the Sentinels named when it connected, which served its
// operations since.
func (c *Client) Served() string {
	if c.addr == nil {
		return ""
	}
	s, _ := c.addr.Load().(string)
	return s
}

// NodeOf is the node whose server listens on addr (host:port), or "".
func (c *Cluster) NodeOf(addr string) string {
	for _, n := range c.Nodes() {
		if a, _ := c.Addr(n.Name); a == addr {
			return n.Name
		}
	}
	return ""
}

// WaitReplicated waits, within Options.Ready, until every replica of
// primary has acknowledged its whole replication stream: then every server
// holds what the primary holds.
func (c *Cluster) WaitReplicated(ctx context.Context, primary string) error {
	want := len(c.Nodes()) - 1
	return db.Wait(ctx, "redis replicas to catch up with "+primary, c.opts.Ready, func(ctx context.Context) error {
		info, err := c.info(ctx, primary)
		if err != nil {
			return err
		}
		off := info["master_repl_offset"]
		caught := 0
		for i := range want + 4 {
			for _, f := range strings.Split(info["slave"+strconv.Itoa(i)], ",") {
				if v, ok := strings.CutPrefix(f, "offset="); ok && v == off {
					caught++
				}
			}
		}
		if caught < want {
			return fmt.Errorf("%d of %d replicas at offset %s", caught, want, off)
		}
		return nil
	})
}
