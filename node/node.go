package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/netutil"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/protocol"
	"github.com/clockwise-kv/clockwise/store"
)

// Defaults of Config's durations.
const (
	DefaultTick    = time.Millisecond
	DefaultSync    = 50 * time.Millisecond
	DefaultTimeout = 5 * time.Second
)

// Config configures a node server. It is also clockwise node's command
// line: Flags parses it, Args writes it (flags.go).
type Config struct {
	ID     string            // this node
	Listen string            // where clockwise node serves (Run takes a listener)
	Peers  map[string]string // every other node: id → address (host:port or http://host:port)
	// Source, if set, is the IP address the node's connections to its peers
	// leave from (bound before they connect), so that a packet filter can
	// tell this node's traffic from another's on loopback; empty: the
	// kernel's choice.
	Source   string
	Strategy string // store strategy name
	Options  store.Options
	// W is the write quorum (store.Config.W): 0 or 1, the coordinator alone.
	W int
	// Replicas places each key on this many nodes by consistent hashing; 0
	// takes the strategy's default (store.Placed), at most every node.
	Replicas int
	// Incarnation counts the node's restarts with its store lost. Above 0
	// its strategy writes as actor ID#Incarnation instead of ID, so a
	// restarted node does not reuse the version-vector counters and dots of
	// its earlier life, which its peers already hold: a write stamped
	// n1:1 again would look older than the n1:5 they know, and be dropped.
	Incarnation int
	// Data, if set, is the node's data folder: its store is kept there
	// (DataFile), every change saved and synced to disk before the node
	// answers or sends anything that tells of it, and loaded again when a
	// node starts on the folder. Empty keeps the store in memory only.
	Data    string
	Tick    time.Duration // how often the node ticks; 0: DefaultTick
	Sync    time.Duration // how often it runs anti-entropy; 0: DefaultSync
	Timeout time.Duration // how long a client request waits for the node; 0: DefaultTimeout
	// Token, when set, is the shared secret /admin/... and /internal/...
	// require ("Authorization: Bearer <token>"); the node sends it to its
	// peers. Without one the node serves on loopback only (Exposed).
	Token string
	// MaxConns bounds the connections served at once (0:
	// DefaultMaxConns); at the limit the one idle the longest is closed.
	MaxConns int
	// ReadTimeout bounds reading a request, headers and body (0:
	// DefaultReadTimeout); IdleTimeout how long a keep-alive connection
	// waits for its next request (0: DefaultIdleTimeout). Writing the
	// answer may take ReadTimeout plus Timeout plus 5 s.
	ReadTimeout time.Duration
	IdleTimeout time.Duration
	Log         *log.Logger // where problems are reported; nil: nowhere
}

// clientName is the sender of client requests inside the loop; replies to
// it go back to the waiting HTTP handler.
const clientName = "client"

// Server is one running replica.
type Server struct {
	cfg       Config
	info      protocol.Info
	start     time.Time
	hc        *http.Client // to peers
	peers     map[string]*peer
	in        chan func() // work for the loop
	stopped   chan struct{}
	log       *log.Logger
	blockMu   sync.RWMutex
	blocked   map[string]bool
	handler   http.Handler
	loopOnce  sync.Once
	syncEvery int // ticks between anti-entropy rounds

	// Owned by the loop.
	disk     *disk // the data folder; nil: memory only
	halt     error // why the loop stopped by itself (a save failed)
	restored int   // keys loaded from the data folder
	node     *store.Node
	clock    clock.Clock
	waiters  map[uint64]chan store.Message
	seq      uint64
}

// New builds a server from cfg; Run starts it.
func New(cfg Config) (*Server, error) {
	if cfg.ID == "" {
		return nil, errors.New("node: needs an id")
	}
	if cfg.Tick == 0 {
		cfg.Tick = DefaultTick
	}
	if cfg.Sync == 0 {
		cfg.Sync = DefaultSync
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	switch {
	case cfg.Tick < 0 || cfg.Sync < 0 || cfg.Timeout < 0 || cfg.ReadTimeout < 0 || cfg.IdleTimeout < 0:
		return nil, errors.New("node: tick, sync, timeout, read timeout and idle timeout must be positive")
	case cfg.MaxConns < 0:
		return nil, fmt.Errorf("node: max conns must not be negative, got %d", cfg.MaxConns)
	case cfg.Replicas < 0:
		return nil, fmt.Errorf("node: replicas must not be negative, got %d", cfg.Replicas)
	case cfg.Incarnation < 0:
		return nil, fmt.Errorf("node: incarnation must not be negative, got %d", cfg.Incarnation)
	}
	var dialer net.Dialer
	dialer.Timeout = time.Second
	if cfg.Source != "" {
		ip, err := netip.ParseAddr(cfg.Source)
		if err != nil {
			return nil, fmt.Errorf("node: source address %q: want an IP address such as 127.0.3.2", cfg.Source)
		}
		dialer.LocalAddr = &net.TCPAddr{IP: ip.AsSlice()}
	}
	names := []string{cfg.ID}
	for id, addr := range cfg.Peers {
		switch {
		case id == "" || id == cfg.ID || id == clientName || strings.ContainsAny(id, ",= /"):
			return nil, fmt.Errorf("node: %q cannot name a peer", id)
		case addr == "":
			return nil, fmt.Errorf("node: peer %s has no address", id)
		}
		names = append(names, id)
	}
	slices.Sort(names)
	strat, err := store.New(cfg.Strategy, actor(cfg), cfg.Options)
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	replicas := store.ReplicaCount(cfg.Strategy, cfg.Replicas, len(names))
	var ring *store.Ring
	if replicas < len(names) {
		if ring, err = store.NewRing(names, replicas); err != nil {
			return nil, fmt.Errorf("node: %w", err)
		}
	}
	peerIDs := slices.Sorted(maps.Keys(cfg.Peers))
	syncEvery := max(1, int(cfg.Sync/cfg.Tick))
	sn, err := store.NewNode(store.Config{
		ID: cfg.ID, Peers: peerIDs, Strategy: strat, SyncEvery: syncEvery, Ring: ring, W: cfg.W,
		Durable: cfg.Data != "",
	})
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	siblings, err := keepsSiblings(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, start: time.Now(), in: make(chan func(), 1024), stopped: make(chan struct{}),
		log: cfg.Log, blocked: map[string]bool{}, node: sn, waiters: map[uint64]chan store.Message{}, syncEvery: syncEvery,
		peers: map[string]*peer{},
		hc: protocol.WithToken(&http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second, DisableCompression: true,
			DialContext: dialer.DialContext,
		}}, cfg.Token),
	}
	if s.log == nil {
		s.log = log.New(io.Discard, "", 0)
	}
	for _, id := range peerIDs {
		u, err := protocol.NewClient(cfg.Peers[id], nil) // validates and normalises the address
		if err != nil {
			return nil, fmt.Errorf("node: peer %s: %w", id, err)
		}
		s.peers[id] = &peer{id: id, url: u.URL() + messagesPath, q: make(chan store.Message, 4096)}
	}
	s.info = protocol.Info{
		Protocol: protocol.V1, Node: cfg.ID, Software: "clockwise node", Strategy: cfg.Strategy, Siblings: siblings,
		Peers: peerIDs, W: max(cfg.W, 1), Admin: slices.Clone(protocol.Features),
	}
	if ring != nil {
		s.info.Replicas = replicas
	}
	if cfg.Data != "" {
		dk, objs, err := openDisk(cfg.Data, cfg.ID, cfg.Strategy)
		if err != nil {
			return nil, err
		}
		if err := sn.Restore(objs); err != nil {
			dk.close()
			return nil, fmt.Errorf("node: data folder %s: %w", cfg.Data, err)
		}
		s.disk, s.restored = dk, len(s.node.Keys())
	}
	s.handler = s.routes()
	return s, nil
}

// actor is the name the node's strategy writes as.
func actor(cfg Config) string {
	if cfg.Incarnation == 0 {
		return cfg.ID
	}
	return fmt.Sprintf("%s#%d", cfg.ID, cfg.Incarnation)
}

// keepsSiblings reports whether the strategy keeps two blind writes of a
// key as siblings (Info.Siblings), by asking a spare instance.
func keepsSiblings(cfg Config) (bool, error) {
	s, err := store.New(cfg.Strategy, cfg.ID, cfg.Options)
	if err != nil {
		return false, fmt.Errorf("node: %w", err)
	}
	obj, _ := s.Put(store.Object{}, store.Write{Version: store.Version{Write: "a"}}, 1)
	obj, _ = s.Put(obj, store.Write{Version: store.Version{Write: "b"}}, 2)
	vs, _ := s.Read(obj)
	return len(vs) > 1, nil
}

// Restored reports how many keys the node loaded from its data folder when
// it was built (0 without one).
func (s *Server) Restored() int { return s.restored }

// Handler serves the node protocol and the internal peer endpoint. It needs
// the loop: Run starts both, Start only the loop.
func (s *Server) Handler() http.Handler { return s.handler }

// Run starts the loop and serves on ln until ctx ends, then shuts down:
// it stops taking requests, lets the ones under way finish (5 s at most),
// and stops the loop. A node whose data folder cannot take a save stops
// the same way at once, and Run returns why. A node without a token serves on a loopback
// listener only. It serves at most Config.MaxConns connections at once,
// each within Config.ReadTimeout and IdleTimeout.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && s.cfg.Token == "" {
		if why := exposedIP(tcp.IP); why != "" {
			return fmt.Errorf("node: %s: refusing to serve beyond loopback without a token: %s", ln.Addr(), why)
		}
	}
	lctx, stop := context.WithCancel(context.Background())
	defer stop()
	s.Start(lctx)
	conns := &conns{limit: s.cfg.MaxConns, now: time.Now}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: min(10*time.Second, s.cfg.ReadTimeout),
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.ReadTimeout + s.cfg.Timeout + 5*time.Second,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          s.log,
		ConnState:         conns.track,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(netutil.LimitListener(ln, s.cfg.MaxConns)) }()
	select {
	case err := <-done:
		return fmt.Errorf("node: %w", err)
	case <-ctx.Done():
	case <-s.stopped: // the loop halted by itself: its store could not be saved
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(sctx) }()
	// Shutdown waits for connections that never sent a request (a client's
	// spare dial) as if busy; close them, as it closes idle ones.
	conns.closeFresh()
	err := <-shut
	stop()
	<-s.stopped
	if s.halt != nil {
		return s.halt
	}
	if err != nil {
		return fmt.Errorf("node: shutdown: %w", err)
	}
	return nil
}

// Start starts the loop and the peer senders, which stop when ctx ends;
// Run calls it. A server starts once: later calls do nothing.
func (s *Server) Start(ctx context.Context) {
	s.loopOnce.Do(func() {
		for _, p := range s.peers {
			go p.run(ctx, s)
		}
		go s.loop(ctx)
	})
}

// ParsePeers reads a peer list as --peers takes it: "n2=127.0.0.1:7002,
// n3=127.0.0.1:7003" (id=address, comma-separated); "" is no peers.
func ParsePeers(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		id, addr, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case !ok || id == "" || addr == "":
			return nil, fmt.Errorf("%q: want id=host:port, e.g. n2=127.0.0.1:7002", part)
		case out[id] != "":
			return nil, fmt.Errorf("%q: peer %s named twice", part, id)
		}
		out[id] = addr
	}
	return out, nil
}

// FormatPeers writes peers as ParsePeers reads them, sorted by id.
func FormatPeers(peers map[string]string) string {
	parts := make([]string, 0, len(peers))
	for _, id := range slices.Sorted(maps.Keys(peers)) {
		parts = append(parts, id+"="+peers[id])
	}
	return strings.Join(parts, ",")
}
