package checker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker/stats"
	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/internal/historytest"
)

func TestMetadataMeasuresEachKey(t *testing.T) {
	meta := func(bytes int, vv map[string]uint64) *histories.Meta { return &histories.Meta{Bytes: bytes, VV: vv} }
	var b historytest.Builder
	op := func(process string, typ histories.Type, f histories.Func, key, node, write string, m *histories.Meta, vs ...string) {
		b.Op(historytest.Op{Process: process, Type: typ, F: f, Key: key, Node: node, ID: write, Meta: m, Read: historytest.Versions(vs...)})
	}
	op("c1", histories.OK, histories.Write, "x", "n1", "w1", meta(5, map[string]uint64{"n1": 1}))
	op("c1", histories.OK, histories.Write, "x", "n2", "w2", meta(9, map[string]uint64{"n1": 1, "n2": 1}))
	op("c2", histories.Info, histories.Write, "x", "n3", "w3", nil) // outcome unknown: not measured
	op("c1", histories.OK, histories.Read, "x", "n1", "", nil, "w1", "w2")
	op("c2", histories.OK, histories.Read, "x", "n2", "", nil)
	op("c2", histories.OK, histories.Write, "y", "n1", "w4", nil)
	op(histories.Final, histories.OK, histories.Read, "x", "n1", "", nil, "w2")
	op(histories.Final, histories.OK, histories.Read, "y", "n1", "", nil, "w4")

	a, err := Analyze(b.History())
	require.NoError(t, err)
	keys := a.Metadata()
	require.Len(t, keys, 2)
	assert.Equal(t, stats.KeyMeta{
		Key: "x", Writes: 2, Via: 2, Entries: 2, EntriesMean: 1.5, BytesMax: 9, BytesMean: 7,
		Siblings: 2, SiblingsMean: 1, Final: 1,
	}, keys[0])
	assert.Equal(t, stats.KeyMeta{Key: "y", Writes: 1, Via: 1, Final: 1}, keys[1], "a write without meta counts, unmeasured")
}
