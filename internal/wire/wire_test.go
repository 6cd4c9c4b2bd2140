package wire

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJSON pins the encodings of the shared shapes, byte for byte: their
// field names are the history format's and the node protocol's.
func TestJSON(t *testing.T) {
	for _, c := range []struct {
		name string
		v    any
		want string
	}{
		{"version", Version{Write: "w1", Value: "1"}, `{"write":"w1","value":"1","deleted":false}`},
		{"tombstone", Version{Write: "d2", Deleted: true}, `{"write":"d2","value":"","deleted":true}`},
		{"zero version", Version{}, `{"write":"","value":"","deleted":false}`},
		{"dot", Dot{Node: "n1", Counter: 3}, `{"node":"n1","counter":3}`},
		{"zero dot", Dot{}, `{"node":"","counter":0}`},
		{"empty meta", Meta{}, `{}`},
		{"empty vv", Meta{VV: map[string]uint64{}}, `{}`},
		{"lww meta", Meta{TS: 1000002600000, Bytes: 9}, `{"ts":1000002600000,"bytes":9}`},
		{"vv meta", Meta{VV: map[string]uint64{"n2": 1, "n1": 2}, Bytes: 6}, `{"vv":{"n1":2,"n2":1},"bytes":6}`},
		{"dvv meta", Meta{VV: map[string]uint64{"n1": 1}, Dot: &Dot{Node: "n1", Counter: 1}}, `{"vv":{"n1":1},"dot":{"node":"n1","counter":1}}`},
		{"truetime meta", Meta{TS: -5, Wait: 7000000}, `{"ts":-5,"wait":7000000}`},
		{"versions", []Version{{Write: "w1", Value: "a"}, {Write: "d1", Deleted: true}},
			`[{"write":"w1","value":"a","deleted":false},{"write":"d1","value":"","deleted":true}]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := json.Marshal(c.v)
			require.NoError(t, err)
			assert.Equal(t, c.want, string(b))
		})
	}
}

// TestJSONRoundTrip: what is written reads back the same.
func TestJSONRoundTrip(t *testing.T) {
	m := Meta{TS: 4, VV: map[string]uint64{"n1": 1, "n3": 2}, Dot: &Dot{Node: "n3", Counter: 2}, Wait: 1, Bytes: 12}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	var got Meta
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, m, got)

	v := Version{Write: "w9", Value: "x\"y", Deleted: true}
	b, err = json.Marshal(v)
	require.NoError(t, err)
	var gotV Version
	require.NoError(t, json.Unmarshal(b, &gotV))
	assert.Equal(t, v, gotV)
}
