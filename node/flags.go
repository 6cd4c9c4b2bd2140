package node

import (
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/clockwise-kv/clockwise/protocol"
	"github.com/clockwise-kv/clockwise/store"
)

// DefaultConfig is a node's configuration before its flags: lww on
// 127.0.0.1:7001, a coordinator that acknowledges alone, the strategies'
// default ε and K, the default tick, sync and timeout, and the default
// limits of the server.
func DefaultConfig() Config {
	return Config{
		Listen: "127.0.0.1:7001", Strategy: "lww", W: 1,
		Options: store.Options{Epsilon: store.DefaultEpsilon, Prune: store.DefaultPrune},
		Tick:    DefaultTick, Sync: DefaultSync, Timeout: DefaultTimeout,
		MaxConns: DefaultMaxConns, ReadTimeout: DefaultReadTimeout, IdleTimeout: DefaultIdleTimeout,
	}
}

// Flags registers c's fields on fs as the flags of clockwise node, each
// defaulting to its value in c; parsing fs sets them. Args writes the same
// flags, so the two cannot disagree on a flag's name.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.ID, "id", c.ID, "this node's id, as its peers name it (required)")
	fs.StringVar(&c.Listen, "listen", c.Listen, "address to serve on")
	fs.Var((*peers)(&c.Peers), "peers", "the other nodes, id=host:port comma-separated, e.g. n2=127.0.0.1:7002,n3=127.0.0.1:7003")
	fs.StringVar(&c.Source, "source", c.Source, "IP address the connections to the peers leave from, e.g. 127.0.3.2 (empty: the kernel's choice)")
	fs.StringVar(&c.Strategy, "strategy", c.Strategy, "conflict strategy: "+strings.Join(store.Names(), ", "))
	fs.IntVar(&c.W, "w", c.W, "write quorum: replicas, this node included, that store a write before it is acknowledged")
	fs.IntVar(&c.Replicas, "replicas", c.Replicas, "place each key on this many nodes by consistent hashing (0: the strategy's default, 3 for dvv, every node for the others)")
	fs.DurationVar(&c.Options.Epsilon, "epsilon", c.Options.Epsilon, "clock uncertainty bound ε of truetime")
	fs.IntVar(&c.Options.Prune, "prune", c.Options.Prune, "vv-pruned: the most entries a version vector keeps (K)")
	fs.IntVar(&c.Incarnation, "incarnation", c.Incarnation, "how many times this node has restarted with its store lost; above 0 it writes as actor ID#N, never reusing its earlier life's counters")
	fs.StringVar(&c.Data, "data", c.Data, "keep the store in this folder (created if missing), synced to disk before every answer, and come back with it after a restart; empty: memory only, lost with the process")
	fs.DurationVar(&c.Tick, "tick", c.Tick, "how often the node ticks (commit waits end on a tick)")
	fs.DurationVar(&c.Sync, "sync", c.Sync, "how often the node runs anti-entropy with its next peer")
	fs.DurationVar(&c.Timeout, "timeout", c.Timeout, "how long a client request waits for the node before it answers 504 (outcome unknown)")
	fs.StringVar(&c.Token, "token", c.Token, "shared secret that /admin/... and /internal/... require (\"Authorization: Bearer <token>\"), sent to the peers too; required to listen beyond loopback (default: $"+protocol.TokenEnv+")")
	fs.IntVar(&c.MaxConns, "max-conns", c.MaxConns, "most connections served at once; at the limit the one idle the longest is closed")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "how long reading a request, headers and body, may take")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "how long a keep-alive connection may wait for its next request")
}

// Args writes c as the flags of clockwise node (see Flags): every flag,
// so that a node started with them has exactly c, whatever the defaults,
// but the token: a command line is there for every user of the machine to
// read (ps), so a token goes to a node through $CLOCKWISE_TOKEN. Log is
// not a flag.
func (c Config) Args() []string {
	return []string{
		"--id", c.ID, "--listen", c.Listen, "--peers", FormatPeers(c.Peers), "--source", c.Source,
		"--strategy", c.Strategy, "--w", strconv.Itoa(c.W), "--replicas", strconv.Itoa(c.Replicas),
		"--epsilon", c.Options.Epsilon.String(), "--prune", strconv.Itoa(c.Options.Prune),
		"--incarnation", strconv.Itoa(c.Incarnation), "--data", c.Data,
		"--tick", c.Tick.String(), "--sync", c.Sync.String(), "--timeout", c.Timeout.String(),
		"--max-conns", strconv.Itoa(c.MaxConns), "--read-timeout", c.ReadTimeout.String(), "--idle-timeout", c.IdleTimeout.String(),
	}
}

// peers is --peers: a peer list as ParsePeers reads it.
type peers map[string]string

func (p *peers) String() string { return FormatPeers(*p) }

func (p *peers) Set(s string) error {
	m, err := ParsePeers(s)
	if err != nil {
		return err
	}
	*p = m
	return nil
}

// Type is what the flag's help calls its value.
func (p *peers) Type() string { return "string" }
