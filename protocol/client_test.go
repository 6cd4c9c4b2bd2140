package protocol_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/protocol"
)

func TestNewClientNormalisesTheAddress(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:7001":         "http://127.0.0.1:7001",
		"http://127.0.0.1:7001/": "http://127.0.0.1:7001",
		"https://db.example:443": "https://db.example:443",
	} {
		c, err := protocol.NewClient(in, nil)
		require.NoError(t, err)
		assert.Equal(t, want, c.URL())
	}
	for _, bad := range []string{"ftp://x", "http://", "http://%zz"} {
		_, err := protocol.NewClient(bad, nil)
		assert.Error(t, err, bad)
	}
}

// Failed tells a request that had no effect from one whose outcome is
// unknown; Missing tells an absent endpoint.
func TestOutcomes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/kv/bad":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"no write id"}`))
		case "/kv/slow":
			w.WriteHeader(http.StatusGatewayTimeout)
			_, _ = w.Write([]byte(`{"error":"timeout"}`))
		case "/kv/plain":
			http.Error(w, "teapot", http.StatusTeapot)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, err := protocol.NewClient(srv.URL, nil)
	require.NoError(t, err)
	ctx := context.Background()

	_, err = c.Put(ctx, "bad", protocol.Put{})
	var se *protocol.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "no write id", se.Message)
	assert.True(t, se.JSON)
	assert.True(t, protocol.Failed(err))
	assert.False(t, protocol.Missing(err))

	_, err = c.Put(ctx, "slow", protocol.Put{})
	assert.False(t, protocol.Failed(err), "5xx: unknown outcome")

	_, err = c.Get(ctx, "plain")
	require.ErrorAs(t, err, &se)
	assert.False(t, se.JSON)
	assert.Equal(t, "teapot", se.Message)

	_, err = c.State(ctx)
	assert.True(t, protocol.Missing(err))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	dead, err := protocol.NewClient(addr, nil)
	require.NoError(t, err)
	_, err = dead.Get(ctx, "k")
	assert.True(t, protocol.Failed(err), "refused: never sent: %v", err)
}

// StatePrefix asks the node for a prefix's keys, and keeps only those even
// when the node ignores the parameter and answers every key.
func TestStatePrefix(t *testing.T) {
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys":{"run-a:k1":"d1","run-a:k2":"d2","run-b:k1":"d3","other":"d4"},"pending":2}`))
	}))
	defer srv.Close()
	c, err := protocol.NewClient(srv.URL, nil)
	require.NoError(t, err)
	st, err := c.StatePrefix(context.Background(), "run-a:")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"run-a:k1": "d1", "run-a:k2": "d2"}, st.Keys)
	assert.Equal(t, 2, st.Pending)
	st, err = c.State(context.Background())
	require.NoError(t, err)
	assert.Len(t, st.Keys, 4)
	assert.Equal(t, []string{"prefix=run-a%3A", ""}, queries)
}
