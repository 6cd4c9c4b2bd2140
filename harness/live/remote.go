package live

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/protocol"
)

// ErrUnsupported marks a fault a target cannot take: the run records it as
// skipped.
var ErrUnsupported = errors.New("not supported by this target")

// Target is a cluster of real nodes driven over the node protocol: nodes
// this process started (Local) or nodes someone else runs (Remote). Nodes
// are named n1…nN in the history whatever they call themselves. A method
// that cannot act on a target returns an error wrapping ErrUnsupported.
type Target interface {
	// Nodes lists the nodes, n1…nN.
	Nodes() []string
	// Client returns the client of node's protocol endpoints.
	Client(node string) *protocol.Client
	// SetClock replaces node's clock.
	SetClock(ctx context.Context, node string, c clock.Clock) error
	// Partition cuts the traffic between nodes of different groups, and
	// cuts nodes in no group off from everyone; Heal restores it all.
	Partition(ctx context.Context, groups [][]string) error
	Heal(ctx context.Context) error
	// Kill stops node's process at once (SIGKILL), and Crash does too and
	// loses its stored data (amnesia); Restart starts it again, with the
	// store it kept (after Kill, if it keeps one) or empty (after Crash).
	Kill(ctx context.Context, node string) error
	Crash(ctx context.Context, node string) error
	Restart(ctx context.Context, node string) error
	// Converged reports whether no node holds a write back and the nodes
	// that hold each key beginning with prefix agree on it (GET
	// /admin/state?prefix=…): a run waits only for its own namespace.
	Converged(ctx context.Context, prefix string) (bool, error)
	// Describe says, for the history's readers, what a partition cuts.
	Describe() string
}

// Remote is a cluster someone else started: every fault goes through the
// nodes' admin API, and a fault a node lacks the endpoint for is
// unsupported. It cannot kill or restart a node.
type Remote struct {
	names   []string                    // n1…nN
	clients map[string]*protocol.Client // by name
	infos   map[string]*protocol.Info   // by name; nil: no GET /admin/info
}

// newHTTPClient returns the HTTP client of a run's requests: enough idle
// connections per node for every client at once.
func newHTTPClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns: 0, MaxIdleConnsPerHost: max(conns, 2), IdleConnTimeout: 30 * time.Second,
		DisableCompression: true, DialContext: (&net.Dialer{Timeout: time.Second}).DialContext,
	}}
}

// DialRemote reaches the nodes at urls, n1 the first, and asks each who it
// is and which admin endpoints it has (GET /admin/info). A node without
// the admin API is fine: its faults will be skipped. A node that cannot be
// reached at all is an error. Every request carries token, when there is
// one, as "Authorization: Bearer <token>"; a node that refuses it (401) is
// an error.
func DialRemote(ctx context.Context, urls []string, token string) (*Remote, error) {
	return dialRemote(ctx, urls, protocol.WithToken(newHTTPClient(64), token))
}

func dialRemote(ctx context.Context, urls []string, hc *http.Client) (*Remote, error) {
	if len(urls) == 0 {
		return nil, errors.New("harness: no node to drive")
	}
	r := &Remote{clients: map[string]*protocol.Client{}, infos: map[string]*protocol.Info{}}
	ids := map[string]string{}
	for i, u := range urls {
		name := fmt.Sprintf("n%d", i+1)
		c, err := protocol.NewClient(u, hc)
		if err != nil {
			return nil, fmt.Errorf("harness: %w", err)
		}
		r.names = append(r.names, name)
		r.clients[name] = c
		info, err := r.info(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("harness: node %s at %s: %w", name, c.URL(), err)
		}
		if info != nil {
			if other, dup := ids[info.Node]; dup {
				return nil, fmt.Errorf("harness: %s and %s both call themselves %q", other, c.URL(), info.Node)
			}
			ids[info.Node] = c.URL()
		}
		r.infos[name] = info
	}
	return r, nil
}

// info asks a node who it is; a node without the endpoint answers nil.
func (r *Remote) info(ctx context.Context, c *protocol.Client) (*protocol.Info, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	info, err := c.Info(ctx)
	switch {
	case protocol.Missing(err):
		return nil, nil
	case err != nil:
		return nil, err
	case info.Protocol != protocol.V1:
		return nil, fmt.Errorf("speaks protocol %d, not %d", info.Protocol, protocol.V1)
	}
	return &info, nil
}

// Nodes implements Target.
func (r *Remote) Nodes() []string { return r.names }

// Client implements Target.
func (r *Remote) Client(node string) *protocol.Client { return r.clients[node] }

// Info returns what node said of itself; nil when it has no GET
// /admin/info.
func (r *Remote) Info(node string) *protocol.Info { return r.infos[node] }

// has reports whether node lists an admin feature.
func (r *Remote) has(node, feature string) bool {
	i := r.infos[node]
	return i != nil && i.Has(feature)
}

func (r *Remote) unsupported(node, feature string) error {
	if r.infos[node] == nil {
		return fmt.Errorf("%s has no admin API: %w", node, ErrUnsupported)
	}
	return fmt.Errorf("%s does not list the admin feature %q: %w", node, feature, ErrUnsupported)
}

// SetClock implements Target through PUT /admin/clock.
func (r *Remote) SetClock(ctx context.Context, node string, c clock.Clock) error {
	if !r.has(node, protocol.FeatureClock) {
		return r.unsupported(node, protocol.FeatureClock)
	}
	if c.Strobe != 0 && !r.has(node, protocol.FeatureStrobe) {
		return r.unsupported(node, protocol.FeatureStrobe)
	}
	return r.clients[node].SetClock(ctx, protocol.ClockOf(c))
}

// Partition implements Target through PUT /admin/blocked: each node blocks
// every node outside its group, both ways, by the ids the nodes call
// themselves. Every node must have the endpoint, or none is touched.
func (r *Remote) Partition(ctx context.Context, groups [][]string) error {
	if err := r.canBlock(); err != nil {
		return err
	}
	side := sides(r.names, groups)
	block := map[string][]string{}
	for _, a := range r.names {
		block[a] = []string{}
		for _, b := range r.names {
			if side[a] != side[b] {
				block[a] = append(block[a], r.infos[b].Node)
			}
		}
	}
	return r.block(ctx, block)
}

// sides tells which side of a partition into groups each of nodes is on:
// its group's index, or for a node in no group a side of its own.
func sides(nodes []string, groups [][]string) map[string]int {
	side := make(map[string]int, len(nodes))
	for i, n := range nodes {
		side[n] = -1 - i // a node in no group is alone
	}
	for i, g := range groups {
		for _, n := range g {
			side[n] = i
		}
	}
	return side
}

// Heal implements Target: every node unblocks every peer.
func (r *Remote) Heal(ctx context.Context) error {
	if err := r.canBlock(); err != nil {
		return err
	}
	block := map[string][]string{}
	for _, n := range r.names {
		block[n] = []string{}
	}
	return r.block(ctx, block)
}

// canBlock reports whether every node has PUT /admin/blocked.
func (r *Remote) canBlock() error {
	for _, n := range r.names {
		if !r.has(n, protocol.FeatureBlocked) {
			return r.unsupported(n, protocol.FeatureBlocked)
		}
	}
	return nil
}

func (r *Remote) block(ctx context.Context, block map[string][]string) error {
	var errs []error
	for _, n := range r.names {
		if err := r.clients[n].Block(ctx, block[n]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}

// Kill implements Target: a remote node cannot be killed.
func (r *Remote) Kill(context.Context, string) error {
	return fmt.Errorf("remote nodes cannot be killed: %w", ErrUnsupported)
}

// Crash implements Target: a remote node cannot be crashed.
func (r *Remote) Crash(context.Context, string) error {
	return fmt.Errorf("remote nodes cannot be crashed: %w", ErrUnsupported)
}

// Restart implements Target: a remote node cannot be restarted.
func (r *Remote) Restart(context.Context, string) error {
	return fmt.Errorf("remote nodes cannot be restarted: %w", ErrUnsupported)
}

// Converged implements Target through GET /admin/state: no node has
// pending writes, the nodes holding each key that begins with prefix report
// the same digest, and as many nodes hold it as its info says (replicas; 0:
// every node).
func (r *Remote) Converged(ctx context.Context, prefix string) (bool, error) {
	holders := map[string][]string{} // key → digests
	for _, n := range r.names {
		if !r.has(n, protocol.FeatureState) {
			return false, r.unsupported(n, protocol.FeatureState)
		}
	}
	for _, n := range r.names {
		st, err := r.clients[n].StatePrefix(ctx, prefix)
		if err != nil {
			return false, err
		}
		if st.Pending > 0 {
			return false, nil
		}
		for k, d := range st.Keys {
			holders[k] = append(holders[k], d)
		}
	}
	want := len(r.names)
	if rep := r.infos[r.names[0]].Replicas; rep > 0 {
		want = min(rep, want)
	}
	for _, ds := range holders {
		if len(ds) != want || slices.ContainsFunc(ds, func(d string) bool { return d != ds[0] }) {
			return false, nil
		}
	}
	return true, nil
}

// keysOf lists every key beginning with prefix that any node of t reports
// holding, for the final reads; nodes without GET /admin/state contribute
// none.
func keysOf(ctx context.Context, t Target, prefix string) []string {
	seen := map[string]bool{}
	for _, n := range t.Nodes() {
		st, err := t.Client(n).StatePrefix(ctx, prefix)
		if err != nil {
			continue
		}
		for k := range st.Keys {
			seen[k] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// Describe implements Target.
func (r *Remote) Describe() string {
	var parts []string
	for _, n := range r.names {
		s := n + " " + r.clients[n].URL()
		if i := r.infos[n]; i == nil {
			s += " (no admin API)"
		} else {
			s += " (" + i.Node + ", admin: " + strings.Join(i.Admin, " ") + ")"
		}
		parts = append(parts, s)
	}
	return "remote nodes " + strings.Join(parts, ", ") + "; partitions: each node refuses its blocked peers (PUT /admin/blocked)"
}
