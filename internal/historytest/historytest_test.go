package historytest

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/histories"
)

// What a builder writes is a history the decoder accepts: numbered from 0,
// time never going back, overlapping operations interleaved by time.
func TestBuilderWritesAWellFormedHistory(t *testing.T) {
	var b Builder
	b.Write("c1", "x", "n1", "w1", nil, histories.OK, 7).
		Read("c2", "x", "n2", "w1", "d2").
		Op(Op{Process: "c3", Key: "x", Node: "n1", ID: "w3", Start: 500, End: 5000}).
		Op(Op{Process: "c4", Key: "x", Node: "n2", ID: "d4", Context: []string{"w1"}, Start: 5000, End: 6000, Type: histories.Fail}).
		Write("c5", "x", "n3", "w5", nil, Never, 0).
		Fault(5000, "skew", map[string]string{"n1": "+5s"}).
		Final("x", "w1")
	h := b.History()
	var buf bytes.Buffer
	require.NoError(t, histories.Encode(&buf, h))
	back, err := histories.Decode(&buf)
	require.NoError(t, err)
	assert.Equal(t, h, back)

	var order []string
	for _, e := range h {
		order = append(order, e.Process+" "+string(e.Type))
	}
	assert.Equal(t, []string{
		"c1 invoke", // 0
		"c3 invoke", // 500
		"c1 ok",     // 1000
		"c2 invoke", // 2000
		"c2 ok",     // 3000
		"c3 ok",     // 5000: completions and faults before invokes
		"nemesis info",
		"c4 invoke",
		"c4 fail",   // 6000
		"c5 invoke", // 7000: the clock moved past the timed operations
		"final invoke", "final ok", "final invoke", "final ok", "final invoke", "final ok",
	}, order)
	assert.Equal(t, histories.Delete, h[7].F, "an id starting with d is a delete")
	assert.Equal(t, &histories.Meta{TS: 7}, h[2].Meta)
	assert.Equal(t, "w3", h[1].Value, "a write's value is its id")
	assert.Equal(t, []histories.Version{{Write: "w1", Value: "w1"}, {Write: "d2", Deleted: true}}, h[4].Versions)
	assert.Equal(t, []string{}, h[0].Context, "a blind write says so")
	assert.Nil(t, h[8].Meta, "a failed write carries no stamp")
}

func TestOpMustEndAfterItStarts(t *testing.T) {
	assert.Panics(t, func() { new(Builder).Op(Op{Process: "c1", ID: "w1", Start: 5, End: 5}) })
}
