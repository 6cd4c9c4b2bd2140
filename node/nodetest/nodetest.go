// Package nodetest starts clusters of clockwise nodes inside a test
// process, on loopback listeners, as net/http/httptest starts servers.
package nodetest

import (
	"context"
	"fmt"
	"net"
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
