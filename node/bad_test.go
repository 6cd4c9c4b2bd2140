package node_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/protocol"
	"github.com/clockwise-kv/clockwise/store"
)

// Every malformed request gets a 4xx with a JSON error naming the problem,
// and the node keeps serving.
func TestMalformedRequestsGet4xxJSON(t *testing.T) {
	c := cluster(t, "vv", 1, nil)[0]
	for _, tc := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"PUT", "/kv/k", `{"write":`, 400, "malformed JSON"},
		{"PUT", "/kv/k", ``, 400, "needs a JSON body"},
		{"PUT", "/kv/k", `[1,2]`, 400, "malformed JSON"},
		{"PUT", "/kv/k", `{"value":"v"}`, 400, `"write"`},
		{"PUT", "/kv/k", `{"write":"w1","value":7}`, 400, "malformed JSON"},
		{"PUT", "/kv/k", `{"write":"w1","value":"v","context":"!!"}`, 400, "not a context this node issued"},
		{"DELETE", "/kv/k", `{}`, 400, `"write"`},
		{"PUT", "/kv/", `{"write":"w1"}`, 400, "key is missing"},
		{"GET", "/kv/", ``, 400, "key is missing"},
		{"PATCH", "/kv/k", `{}`, 405, "method not allowed"},
		{"POST", "/admin/info", ``, 405, "method not allowed"},
		{"GET", "/nope", ``, 404, "no endpoint /nope"},
		{"PUT", "/admin/clock", `{"offset_ns":"soon"}`, 400, "malformed JSON"},
		{"PUT", "/admin/blocked", `{"peers":["n7"]}`, 400, "not a peer"},
		{"POST", "/internal/v1/messages", `[{"kind":"replicate","from":"mallory","to":"n1"}]`, 403, "not a peer"},
		{"POST", "/internal/v1/messages", `{`, 400, "malformed JSON"},
		{"PUT", "/kv/k", `{"write":"w1","value":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "larger than"},
		{"PUT", "/admin/clock", `{"offset_ns":0,"x":"` + strings.Repeat("x", 100<<10) + `"}`, 413, "larger than"},
		{"GET", "/admin/info", strings.Repeat("x", 100<<10), 413, "larger than"},
		{"GET", "/kv/k", strings.Repeat("x", 2<<20), 413, "larger than"},
		{"GET", "/nope", strings.Repeat("x", 100<<10), 413, "larger than"},
		// Keys: valid UTF-8 (%ff and %fe would both become "\ufffd" in
		// JSON, one key on the peers), at most 1 KiB.
		{"PUT", "/kv/%ff", `{"write":"w1","value":"v"}`, 400, "not valid UTF-8"},
		{"GET", "/kv/a%fe", ``, 400, "not valid UTF-8"},
		{"DELETE", "/kv/%c3", `{"write":"w1"}`, 400, "not valid UTF-8"},
		{"GET", "/kv/" + strings.Repeat("k", 1025), ``, 400, "longer than the 1024"},
		// Clocks within ±1 year, drifts within ±1.
		{"PUT", "/admin/clock", `{"offset_ns":9223372036854775807}`, 400, "outside ±"},
		{"PUT", "/admin/clock", `{"offset_ns":-31536000000000001}`, 400, "outside ±"},
		{"PUT", "/admin/clock", `{"offset_ns":0,"drift":1e308}`, 400, "drift"},
		{"PUT", "/admin/clock", `{"offset_ns":0,"drift":-1.5}`, 400, "drift"},
		{"PUT", "/admin/clock", `{"offset_ns":0,"drift":1e999}`, 400, "malformed JSON"},
		{"PUT", "/admin/clock", `{"offset_ns":0,"strobe_ns":9223372036854775807,"period_ns":1}`, 400, "strobe_ns"},
		{"PUT", "/admin/clock", `{"offset_ns":0,"strobe_ns":1000,"period_ns":9223372036854775807}`, 400, "period_ns"},
		{"PUT", "/admin/clock", `{"offset_ns":0,"strobe_ns":1000}`, 400, "period_ns"},
		// Contexts whose counters or ts the next write would overflow.
		{"PUT", "/kv/k", `{"write":"w1","value":"v","context":"` + opaque(t, store.Context{Clock: store.VV{{Node: "n1", Counter: math.MaxUint64}}}) + `"}`, 400, "counter"},
		{"PUT", "/kv/k", `{"write":"w1","value":"v","context":"` + opaque(t, store.Context{Clock: store.VV{{Node: "n1", Counter: math.MaxInt64}}}) + `"}`, 400, "counter"},
		{"PUT", "/kv/k", `{"write":"w1","value":"v","context":"` + opaque(t, store.Context{TS: math.MaxInt64}) + `"}`, 400, "ts"},
	} {
		req, err := http.NewRequest(tc.method, c.URL()+tc.path, strings.NewReader(tc.body))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, tc.code, resp.StatusCode, "%s %s: %s", tc.method, tc.path, b)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		var e struct{ Error string }
		require.NoError(t, json.Unmarshal(b, &e), "%s %s: %s", tc.method, tc.path, b)
		assert.Contains(t, e.Error, tc.want, "%s %s", tc.method, tc.path)
	}
	resp, err := http.Get(c.URL() + "/kv/k")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "still serving")
	st, err := c.Clock(t.Context())
	require.NoError(t, err)
	assert.Zero(t, st.OffsetNS, "no bad clock was taken")
	r, err := c.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Empty(t, r.Versions, "no bad write was taken")
}

// opaque encodes c as a node's opaque context.
func opaque(t *testing.T, c store.Context) string {
	b, err := json.Marshal(c)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}

// The limits themselves are taken: a key of 1 KiB, a clock a year off
// with a drift of 1.
func TestValuesAtTheLimitsAreTaken(t *testing.T) {
	ctx := t.Context()
	c := cluster(t, "lamport", 1, nil)[0]
	k := strings.Repeat("ü", protocol.MaxKey/2)
	_, err := c.Put(ctx, k, protocol.Put{Write: "w1", Value: "v"})
	require.NoError(t, err)
	r, err := c.Get(ctx, k)
	require.NoError(t, err)
	assert.Equal(t, []string{"w1"}, ids(r.Versions))
	require.NoError(t, c.SetClock(ctx, protocol.Clock{OffsetNS: -protocol.MaxOffset, Drift: -1}))
	require.NoError(t, c.SetClock(ctx, protocol.Clock{OffsetNS: protocol.MaxOffset, Drift: protocol.MaxDrift, StrobeNS: protocol.MaxOffset, PeriodNS: protocol.MaxOffset}))
	_, err = c.Put(ctx, k, protocol.Put{Write: "w2", Value: "v", Context: opaque(t, store.Context{TS: math.MaxInt64 - 1})})
	require.NoError(t, err, "a ts below the limit")
}

// A write id reused with another value, or as a tombstone, is a conflict
// (409) and changes nothing.
func TestWriteIDReusedIsAConflict(t *testing.T) {
	ctx := t.Context()
	for _, strategy := range []string{"vv", "dvv", "lww"} {
		t.Run(strategy, func(t *testing.T) {
			c := cluster(t, strategy, 1, nil)[0]
			_, err := c.Put(ctx, "k", protocol.Put{Write: "w1", Value: "one"})
			require.NoError(t, err)

			_, err = c.Put(ctx, "k", protocol.Put{Write: "w1", Value: "two"})
			var se *protocol.StatusError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, http.StatusConflict, se.Code)
			assert.Contains(t, se.Message, "write id w1 is taken")
			_, err = c.Delete(ctx, "k", protocol.Delete{Write: "w1"})
			require.ErrorAs(t, err, &se)
			assert.Equal(t, http.StatusConflict, se.Code)

			r, err := c.Get(ctx, "k")
			require.NoError(t, err)
			assert.Equal(t, []histories.Version{{Write: "w1", Value: "one"}}, r.Versions)
		})
	}
}
