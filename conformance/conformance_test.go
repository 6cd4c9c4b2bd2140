package conformance_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/conformance"
	"github.com/clockwise-kv/clockwise/node"
	"github.com/clockwise-kv/clockwise/node/nodetest"
)

func run(t *testing.T, urls []string, opts conformance.Options) (*conformance.Report, string) {
	t.Helper()
	rep, err := conformance.Run(context.Background(), urls, opts)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, rep.WriteText(&b))
	return rep, b.String()
}

func TestClockwiseNodesConform(t *testing.T) {
	for _, strategy := range []string{"vv", "lww", "dvv", "truetime"} {
		t.Run(strategy, func(t *testing.T) {
			rep, text := run(t, nodetest.Start(t, strategy, 3, nil), conformance.Options{})
			assert.True(t, rep.Conformant(), text)
			assert.Zero(t, rep.Count(conformance.Skipped), text)
			assert.Contains(t, text, "conformant: ")
			assert.Contains(t, text, "reaches every node")
		})
	}
}

func TestMissingDeleteFails(t *testing.T) {
	rep, text := run(t, []string{nodetest.Lacking(t, "vv", http.MethodDelete, "")}, conformance.Options{})
	assert.False(t, rep.Conformant(), text)
	assert.Regexp(t, `MISSING\s+DELETE with the context, then GET: one tombstone, deleted=true: DELETE http://\S+/kv/\S+: 404 Not Found: not here`, text)
	assert.Contains(t, text, "skipped  PUT with the tombstone's context")
	assert.Contains(t, text, "not conformant: ")
}

func TestMissingAdminClockNamesTheFaultsItCosts(t *testing.T) {
	rep, text := run(t, []string{nodetest.Lacking(t, "vv", http.MethodPut, "/admin/clock")}, conformance.Options{})
	assert.False(t, rep.Conformant(), text)
	assert.Contains(t, text, "skew and strobe faults would be skipped")
	assert.Contains(t, text, `admin lists "clock", but its endpoint does not work`)
}

func TestClientOnlySkipsTheAdminAPI(t *testing.T) {
	rep, text := run(t, []string{nodetest.Lacking(t, "vv", http.MethodPut, "/admin/clock")}, conformance.Options{ClientOnly: true})
	assert.True(t, rep.Conformant(), text)
	assert.Contains(t, text, "skipped  admin API: client API only")
}

// A server that answers errors in plain text fails the bad-request checks.
func TestPlainTextErrorsFail(t *testing.T) {
	s, err := node.New(node.Config{ID: "n1", Strategy: "lww"})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Start(ctx)
	h := s.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			http.Error(w, "nope", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	rep, text := run(t, []string{srv.URL}, conformance.Options{})
	assert.False(t, rep.Conformant(), text)
	assert.Contains(t, text, `want a JSON body {"error": "..."}`)
}
