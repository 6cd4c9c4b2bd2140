// Package nodetest starts clusters of clockwise nodes inside a test
// process, on loopback listeners, as net/http/httptest starts servers.
package nodetest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/clockwise-kv/clockwise/node"
)

// Start runs n nodes, n1…nN, each peered with all the others, of
// strategy, anti-entropy every 20ms; tweak, if not nil, adjusts each
// node's configuration. It returns their base URLs, n1 first. The nodes
// stop when the test ends.
func Start(t testing.TB, strategy string, n int, tweak func(*node.Config)) []string {
	t.Helper()
	lns := make([]net.Listener, n)
	addrs := map[string]string{}
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("nodetest: %v", err)
		}
		lns[i] = ln
		addrs[fmt.Sprintf("n%d", i+1)] = ln.Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	var done []chan error
	t.Cleanup(func() {
		cancel()
		for _, ch := range done {
			if err := <-ch; err != nil {
				t.Errorf("nodetest: %v", err)
			}
		}
	})
	urls := make([]string, n)
	for i, ln := range lns {
		id := fmt.Sprintf("n%d", i+1)
		peers := map[string]string{}
		for p, a := range addrs {
			if p != id {
				peers[p] = a
			}
		}
		cfg := node.Config{ID: id, Peers: peers, Strategy: strategy, Sync: 20 * time.Millisecond}
		if tweak != nil {
			tweak(&cfg)
		}
		s, err := node.New(cfg)
		if err != nil {
			ln.Close()
			t.Fatalf("nodetest: %v", err)
		}
		ch := make(chan error, 1)
		go func() { ch <- s.Run(ctx, ln) }()
		done = append(done, ch)
		urls[i] = "http://" + ln.Addr().String()
	}
	return urls
}

// Lacking runs one node, n1 of strategy, that answers 404 with a JSON error
// to method on path (every path when empty), as a store lacking that
// endpoint would, and serves everything else. It returns its base URL; it
// stops when the test ends.
func Lacking(t testing.TB, strategy, method, path string) string {
	t.Helper()
	s, err := node.New(node.Config{ID: "n1", Strategy: strategy})
	if err != nil {
		t.Fatalf("nodetest: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s.Start(ctx)
	h := s.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == method && (path == "" || r.URL.Path == path) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"not here"}`))
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
