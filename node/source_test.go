package node_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/node"
	"github.com/clockwise-kv/clockwise/node/nodetest"
)

// With a source address, the node's connections to its peers leave from it
// (what a packet filter on loopback tells hosts apart by); without one,
// from the kernel's choice, 127.0.0.1.
func TestPeerConnectionsLeaveFromTheSource(t *testing.T) {
	for _, tc := range []struct{ source, want string }{{"127.0.9.2", "127.0.9.2"}, {"", "127.0.0.1"}} {
		from := make(chan string, 1)
		peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host, _, _ := net.SplitHostPort(r.RemoteAddr)
			select {
			case from <- host:
			default:
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		nodetest.Start(t, "vv", 1, func(c *node.Config) {
			c.Peers = map[string]string{"n2": strings.TrimPrefix(peer.URL, "http://")}
			c.Source = tc.source
		})
		select {
		case got := <-from: // anti-entropy reaches n2 within 20 ms
			assert.Equal(t, tc.want, got, "source %q", tc.source)
		case <-time.After(10 * time.Second):
			t.Fatalf("source %q: no message reached the peer", tc.source)
		}
		peer.Close()
	}
}

// A source that is not an IP address is refused with the reason.
func TestMalformedSourceIsRefused(t *testing.T) {
	_, err := node.New(node.Config{ID: "n1", Strategy: "vv", Source: "127.0.9.2:7001"})
	require.Error(t, err)
	assert.ErrorContains(t, err, `source address "127.0.9.2:7001": want an IP address`)
}
