package etcd

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// List reads every key under prefix and returns their values, in key
// order: linearizable unless serializable, as Get.
func (c *Client) List(ctx context.Context, prefix string, serializable bool) ([]string, error) {
	resp, err := c.read(ctx, prefix, serializable, clientv3.WithPrefix())
	if err != nil {
		return nil, classify("list", err)
	}
	values := make([]string, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		values[i] = string(kv.Value)
	}
	return values, nil
}

// Leader is the member that the members reachable now name as their
// leader, asked in turn; an error when none answers or none has one.
func (c *Cluster) Leader(ctx context.Context) (string, error) {
	var last error
	for _, n := range c.Nodes() {
		if !c.Running(n.Name) {
			continue
		}
		cl, err := c.Client(n.Name)
		if err != nil {
			return "", err
		}
		sctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		st, err := cl.cli.Status(sctx, c.clientURL(n))
		cancel()
		cl.Close()
		if err != nil {
			last = err
			continue
		}
		if st.Leader == 0 {
			last = fmt.Errorf("%s has no leader", n.Name)
			continue
		}
		if st.Leader == st.Header.MemberId {
			return n.Name, nil
		}
		// Another member leads: find its name among the members.
		mctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		cl2, err := c.Client(n.Name)
		if err != nil {
			cancel()
			return "", err
		}
		ms, err := cl2.cli.MemberList(mctx)
		cancel()
		cl2.Close()
		if err != nil {
			last = err
			continue
		}
		for _, m := range ms.Members {
			if m.ID == st.Leader {
				return m.Name, nil
			}
		}
		last = fmt.Errorf("%s names leader %x, no member it lists", n.Name, st.Leader)
	}
	if last == nil {
		last = fmt.Errorf("no member runs")
	}
	return "", fmt.Errorf("etcd: no leader: %w", last)
}
