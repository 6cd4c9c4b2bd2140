package node_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
}
