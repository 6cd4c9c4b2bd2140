package histories_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
)

func TestFound(t *testing.T) {
	for _, tc := range []struct {
		name string
		vs   []histories.Version
		want bool
	}{
		{"nothing", nil, false},
		{"only tombstones", []histories.Version{{Write: "d1", Deleted: true}, {Write: "d2", Deleted: true}}, false},
		{"a live version", []histories.Version{{Write: "w1", Value: "a"}}, true},
		{"a sibling of a tombstone", []histories.Version{{Write: "d1", Deleted: true}, {Write: "w2", Value: "b"}}, true},
	} {
		assert.Equal(t, tc.want, histories.Found(tc.vs), tc.name)
	}
}

// tombHistory is a tombstone fault as the harness records it: the fault
// event, then the nemesis's read and delete.
const tombHistory = `{"index":0,"time":100,"process":"nemesis","type":"info","f":"tombstone","value":{"key":"x","node":"n1","offset":"+1h0m0s","write":"d3"}}
{"index":1,"time":100,"process":"nemesis","type":"invoke","f":"read","key":"x","node":"n1"}
{"index":2,"time":200,"process":"nemesis","type":"ok","f":"read","key":"x","node":"n1","versions":[{"write":"w2","value":"b","deleted":false}],"offset":0}
{"index":3,"time":200,"process":"nemesis","type":"invoke","f":"delete","key":"x","node":"n1","write":"d3","context":["w2"]}
{"index":4,"time":300,"process":"nemesis","type":"ok","f":"delete","key":"x","node":"n1","write":"d3","meta":{"ts":4600000000250},"offset":3600000000000}
{"index":5,"time":400,"process":"final","type":"invoke","f":"read","key":"x","node":"n2"}
{"index":6,"time":500,"process":"final","type":"ok","f":"read","key":"x","node":"n2","versions":[{"write":"d3","value":"","deleted":true}],"offset":0}
`

func TestTombstoneHistoryRoundTrip(t *testing.T) {
	h, err := histories.Decode(strings.NewReader(tombHistory))
	require.NoError(t, err)
	require.Len(t, h, 7)
	assert.True(t, h[0].IsFault(), "the tombstone event is a fault")
	assert.Equal(t, "d3", h[0].Params["write"])
	for _, e := range h[1:5] {
		assert.False(t, e.IsFault(), "event %d: the nemesis's %s is an operation", e.Index, e.F)
		assert.True(t, e.IsOp())
	}
	assert.False(t, h[6].IsFault(), "final reads are not faults")
	assert.False(t, histories.Found(h[6].Versions), "the final read finds only the tombstone")

	var b bytes.Buffer
	require.NoError(t, histories.Encode(&b, h))
	assert.Equal(t, tombHistory, b.String(), "decode then encode gives the same bytes")
}

func TestNemesisDeleteNeedsWriteID(t *testing.T) {
	in := strings.Replace(tombHistory, `"write":"d3","context"`, `"context"`, 1)
	_, err := histories.Decode(strings.NewReader(in))
	var le *histories.LineError
	require.True(t, errors.As(err, &le), "got %v", err)
	assert.Equal(t, 4, le.Line)
	assert.Equal(t, "write", le.Field)
}
