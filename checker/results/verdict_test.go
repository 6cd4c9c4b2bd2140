package results

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each spelling of a verdict writes and reads back the words results.json
// has always used.
func TestVerdictSpellings(t *testing.T) {
	type spelled struct {
		Verdict Verdict      `json:"verdict"`
		Result  LinearResult `json:"result"`
		Answer  Answer       `json:"answer"`
	}
	for v, want := range map[Verdict]string{
		Valid:   `{"verdict":"valid","result":"ok","answer":"yes"}`,
		Invalid: `{"verdict":"invalid","result":"illegal","answer":"no"}`,
		Unknown: `{"verdict":"unknown","result":"unknown","answer":"unknown"}`,
	} {
		b, err := json.Marshal(spelled{v, LinearResult(v), Answer(v)})
		require.NoError(t, err)
		assert.Equal(t, want, string(b))
		var back spelled
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, spelled{v, LinearResult(v), Answer(v)}, back)
		assert.Equal(t, verdictWords[v], v.String())
	}
	var zero Verdict
	assert.Equal(t, Unknown, zero, "a verdict nobody reached is unknown, never a pass")
	var a Answer
	require.ErrorContains(t, json.Unmarshal([]byte(`"maybe"`), &a), `"maybe" is not one of unknown, yes, no`)
	_, err := json.Marshal(Verdict(9))
	require.Error(t, err)
	assert.Equal(t, "Verdict(9)", Verdict(9).String())
}
