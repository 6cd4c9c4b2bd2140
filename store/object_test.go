package store

import (
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestAppendMetaEncoding(t *testing.T) {
	// {n1:1}: 1 entry; name of length 2; counter 1.
	assert.Equal(t, []byte{1, 2, 'n', '1', 1}, Object{Clock: vvOf("n1", 1)}.AppendMeta(nil))
	// Bump times follow the clock, one varint per entry.
	o := Object{Clock: vvOf("n1", 1), Bumped: vvOf("n1", 1000)}
	want := binary.AppendVarint([]byte{1, 2, 'n', '1', 1}, 1000)
	assert.Equal(t, want, o.AppendMeta(nil))
	// A sibling's dot: name, counter.
	o = Object{Clock: vvOf("a", 2), Siblings: []Sibling{dotted("w", "a", 2)}}
	assert.Equal(t, []byte{1, 1, 'a', 2, 1, 'a', 2}, o.AppendMeta(nil))
	assert.Equal(t, 7, o.MetaBytes())
	assert.Equal(t, 1, Object{Siblings: []Sibling{{Version: ver("w")}}}.MetaBytes(), "an empty clock is one byte, a bare sibling none")
}

func TestMetaBytesIsTheEncodedLength(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := rapid.MapOf(rapid.StringMatching(`n[0-9]{1,3}`), rapid.Uint64()).Draw(t, "clock")
		o := Object{Clock: FromMap(m)}
		if rapid.Bool().Draw(t, "bumped") {
			o.Bumped = o.Clock
		}
		for i := range rapid.IntRange(0, 5).Draw(t, "siblings") {
			o.Siblings = append(o.Siblings, Sibling{
				Version: Version{Write: string(rune('a' + i))},
				TS:      rapid.Int64().Draw(t, "ts"), Node: "n1",
				Dot: Dot{Node: "n2", Counter: rapid.Uint64().Draw(t, "dot")},
			})
		}
		if got := len(o.AppendMeta(nil)); o.MetaBytes() != got {
			t.Fatalf("MetaBytes %d, encoding %d bytes", o.MetaBytes(), got)
		}
	})
}

// TestMetaWireIsTheSameJSON: the history's and the protocol's copy of a
// write's metadata encodes as the store's does.
func TestMetaWireIsTheSameJSON(t *testing.T) {
	for _, m := range []Meta{
		{},
		{TS: 1000002600000, Bytes: 9},
		{VV: VV{}, Wait: 3},
		{VV: vvOf("n2", 1, "n1", 2), Dot: &Dot{Node: "n1", Counter: 2}, Bytes: 14},
	} {
		want, err := json.Marshal(m)
		require.NoError(t, err)
		got, err := json.Marshal(m.Wire())
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got))
	}
	d := &Dot{Node: "n1", Counter: 1}
	w := Meta{Dot: d}.Wire()
	d.Counter = 5
	assert.Equal(t, uint64(1), w.Dot.Counter, "Wire copies the dot")
}
