//go:build unix

package node_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/node"
	"github.com/clockwise-kv/clockwise/node/nodetest"
)

// Idle keep-alive connections cannot keep a new client out. The node
// serves at most 64 connections here; the test opens up to 20,000 (as many
// as its file limit allows beside the node's own, far more than 64), each
// sending one request and then waiting, idle, without reading the answer,
// from several loopback addresses so as not to run out of ports. Then a
// new client must be served. At its limit the node closes the connection
// idle the longest; without that, netutil.LimitListener would hold the new
// client in the accept queue behind the idle ones until their idle timeout
// (an hour here). What it proves holds at any limit: idle connections
// beyond it only cycle through the accept queue.
func TestIdleConnectionsDoNotKeepOutANewClient(t *testing.T) {
	const limit = 64
	u := nodetest.Start(t, "vv", 1, func(c *node.Config) { c.MaxConns, c.IdleTimeout = limit, time.Hour })[0]
	addr := strings.TrimPrefix(u, "http://")
	var rl syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl))
	n := min(20000, int(rl.Cur)-limit-200)
	require.Greater(t, n, 10*limit, "RLIMIT_NOFILE %d leaves too few files to hold more connections than the limit", rl.Cur)
	idle := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for i := range n {
		d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(1+i/5000))}}
		c, err := d.Dial("tcp", addr)
		require.NoError(t, err, "connection %d", i)
		idle = append(idle, c)
		_, err = io.WriteString(c, "GET /admin/info HTTP/1.1\r\nHost: n1\r\n\r\n")
		require.NoError(t, err, "connection %d", i)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Get(u + "/kv/k")
	require.NoError(t, err, "a new client after %d idle connections (limit %d)", n, limit)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	t.Log(fmt.Sprintf("served a new client beside %d idle connections, the limit %d", n, limit))
}
