package runs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
)

func manyLost(n int) *checker.Result {
	r := &checker.Result{Verdict: checker.Invalid, Failures: []string{"lost"}, Notes: []string{"a <note> & more"},
		Summary: checker.Summary{Acknowledged: n, LostByKind: map[checker.LostKind]int{checker.ConcurrentDropped: n}},
		Stale:   []checker.Stale{}, Keys: []checker.Key{{Key: "x"}}, Visualization: LinearFile}
	for i := range n {
		r.Lost = append(r.Lost, checker.Lost{Write: &checker.Ref{Write: fmt.Sprintf("w%d", i), Value: "<v>"}, Key: "x", Kind: checker.ConcurrentDropped, Why: "why"})
	}
	return r
}

// Under its bound, results.json is what encoding/json writes, byte for
// byte, though written a field and a finding at a time.
func TestWriteResultUnderTheBoundIsEncodeJSON(t *testing.T) {
	for _, r := range []*checker.Result{manyLost(3), {}, {Unknown: []string{"u"}, Omitted: map[string]int{}}} {
		var want bytes.Buffer
		require.NoError(t, EncodeJSON(&want, r))
		path := filepath.Join(t.TempDir(), ResultsFile)
		require.NoError(t, WriteResult(path, r, 10))
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, want.String(), string(got))
	}
}

// Past its bound, results.json lists the first findings and says how many
// it left out; the summary still counts them all.
func TestWriteResultPastTheBound(t *testing.T) {
	r := manyLost(25)
	path := filepath.Join(t.TempDir(), ResultsFile)
	require.NoError(t, WriteResult(path, r, 10))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var got checker.Result
	require.NoError(t, json.Unmarshal(b, &got))
	require.Len(t, got.Lost, 10)
	assert.Equal(t, r.Lost[:10], got.Lost)
	assert.Equal(t, map[string]int{"lost": 15}, got.Omitted)
	assert.Equal(t, 25, got.Summary.LostByKind[checker.ConcurrentDropped])
	assert.Len(t, r.Lost, 25, "the result itself is untouched")
	assert.Nil(t, r.Omitted)
	assert.Same(t, r, Bounded(r, 0), "0: no bound")
	assert.Same(t, r, Bounded(r, 25))
}
