package node_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/node"
	"github.com/clockwise-kv/clockwise/node/nodetest"
	"github.com/clockwise-kv/clockwise/protocol"
)

// send makes a request with token (none when empty) and returns the
// status and the JSON error's text.
func send(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var e protocol.Error
	_ = json.Unmarshal(b, &e)
	if resp.StatusCode == http.StatusUnauthorized {
		assert.Equal(t, `Bearer realm="clockwise"`, resp.Header.Get("WWW-Authenticate"))
	}
	return resp.StatusCode, e.Error
}

// With a token, /admin/... and /internal/... answer 401 without it or with
// another, on loopback too; /kv/... stays open; the peers send it, so
// writes still replicate.
func TestTokenGuardsAdminAndInternal(t *testing.T) {
	const token = "s3cret"
	urls := nodetest.Start(t, "vv", 2, func(c *node.Config) { c.Token = token })
	u := urls[0]
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/admin/info", ""},
		{"GET", "/admin/clock", ""},
		{"PUT", "/admin/clock", `{"offset_ns":1}`},
		{"GET", "/admin/blocked", ""},
		{"PUT", "/admin/blocked", `{"peers":["n2"]}`},
		{"GET", "/admin/state", ""},
		{"POST", "/internal/v1/messages", `[{"kind":"replicate","from":"n2","to":"n1","objects":[{"key":"k","object":{"siblings":[{"write":"evil","value":"x"}]}}]}]`},
		{"GET", "/%61dmin/clock", ""},
	} {
		code, msg := send(t, tc.method, u+tc.path, "", tc.body)
		assert.Equal(t, http.StatusUnauthorized, code, "%s %s without a token", tc.method, tc.path)
		assert.Contains(t, msg, "no token", tc.path)
		assert.Contains(t, msg, "Authorization: Bearer <token>", tc.path)
		code, msg = send(t, tc.method, u+tc.path, token+"x", tc.body)
		assert.Equal(t, http.StatusUnauthorized, code, "%s %s with a wrong token", tc.method, tc.path)
		assert.Contains(t, msg, "a wrong token", tc.path)
	}
	code, _ := send(t, "GET", u+"/kv/k", "", "")
	assert.Equal(t, http.StatusOK, code, "the client API is open")
	assert.Empty(t, readVersions(t, u, "k"), "the forged peer message was refused")
	code, _ = send(t, "GET", u+"/admin/clock", token, "")
	assert.Equal(t, http.StatusOK, code, "with the token")
	code, _ = send(t, "GET", u+"/kv/../admin/clock", "", "")
	assert.Equal(t, http.StatusUnauthorized, code, "a path that cleans to /admin is guarded")

	ctx := t.Context()
	c1, err := protocol.NewClient(u, protocol.WithToken(nil, token))
	require.NoError(t, err)
	c2, err := protocol.NewClient(urls[1], protocol.WithToken(nil, token))
	require.NoError(t, err)
	_, err = c1.Put(ctx, "k", protocol.Put{Write: "w1", Value: "v"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		r, err := c2.Get(ctx, "k")
		return err == nil && len(r.Versions) == 1
	}, 5*time.Second, 10*time.Millisecond, "n1 sends its token to n2")
	_, err = c2.Info(ctx)
	require.NoError(t, err)
	anon, err := protocol.NewClient(u, nil)
	require.NoError(t, err)
	_, err = anon.Info(ctx)
	var se *protocol.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusUnauthorized, se.Code)
}

func readVersions(t *testing.T, url, key string) []string {
	c, err := protocol.NewClient(url, nil)
	require.NoError(t, err)
	r, err := c.Get(t.Context(), key)
	require.NoError(t, err)
	return ids(r.Versions)
}

// A listener beyond loopback.
type exposed struct{ net.Listener }

func (exposed) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4zero, Port: 7001} }

// Without a token a node serves nothing on a listener beyond loopback;
// with one it does.
func TestRunRefusesBeyondLoopbackWithoutAToken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	s, err := node.New(node.Config{ID: "n1", Strategy: "vv"})
	require.NoError(t, err)
	err = s.Run(t.Context(), exposed{ln})
	assert.ErrorContains(t, err, "refusing to serve beyond loopback without a token: 0.0.0.0 listens on every interface")

	s, err = node.New(node.Config{ID: "n1", Strategy: "vv", Token: "t"})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, exposed{ln}) }()
	code, _ := send(t, "GET", "http://"+ln.Addr().String()+"/admin/info", "t", "")
	assert.Equal(t, http.StatusOK, code)
	cancel()
	require.NoError(t, <-done)
}

// A slowly sent body is cut off by the read timeout: the node answers 408
// and closes the connection long before the body would have arrived.
func TestSlowBodyIsCutOffByTheReadTimeout(t *testing.T) {
	u := nodetest.Start(t, "vv", 1, func(c *node.Config) { c.ReadTimeout = 300 * time.Millisecond })[0]
	conn, err := net.Dial("tcp", strings.TrimPrefix(u, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	const size = 100 // a byte every 50ms: 5 s in all
	_, err = fmt.Fprintf(conn, "PUT /kv/k HTTP/1.1\r\nHost: n1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", size)
	require.NoError(t, err)
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			resp = nil
		}
		answered <- resp
	}()
	check := func(resp *http.Response, sent int) {
		require.NotNil(t, resp, "an answer, not just a closed connection")
		assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
		assert.Less(t, sent, size/2, "cut off well before the body was complete")
	}
	for sent := 0; sent < size; sent++ {
		select {
		case resp := <-answered:
			check(resp, sent)
			return
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := conn.Write([]byte(" ")); err != nil { // closed by the node
			check(<-answered, sent)
			return
		}
	}
	t.Fatalf("the node took a %d-byte body sent over %d×50ms; its read timeout is 300ms", size, size)
}
