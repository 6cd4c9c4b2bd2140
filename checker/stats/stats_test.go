package stats

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPercentiles(t *testing.T) {
	assert.Equal(t, Latency{}, Percentiles(nil))
	ns := make([]int64, 100)
	for i := range ns {
		ns[i] = int64(100 - i) // 100…1, unsorted
	}
	assert.Equal(t, Latency{N: 100, P50: 50, P99: 99, Max: 100}, Percentiles(ns))
	assert.Equal(t, int64(100), ns[0], "Percentiles must not reorder its input")
	assert.Equal(t, Latency{N: 1, P50: 7, P99: 7, Max: 7}, Percentiles([]int64{7}))
}

func TestMeter(t *testing.T) {
	var m Meter
	assert.Empty(t, m.Keys())
	m.Write("x", "n1", true, 1, 5)
	m.Write("x", "n2", true, 3, 9)
	m.Write("x", "n1", false, 0, 0)
	m.Read("x", 2, false)
	m.Read("x", 1, false)
	m.Read("x", 3, true)
	m.Touch("y")
	assert.Equal(t, []KeyMeta{
		{Key: "x", Writes: 3, Via: 2, Entries: 3, EntriesMean: 2, BytesMax: 9, BytesMean: 7, Siblings: 2, SiblingsMean: 1.5, Final: 3},
		{Key: "y"},
	}, m.Keys())
}

func TestBytes(t *testing.T) {
	var b Bytes
	b.Add(4)
	b.Add(8)
	assert.Equal(t, Bytes{Writes: 2, Total: 12, Mean: 6, Max: 8}, b)
	b.Merge(Bytes{Writes: 2, Total: 4, Mean: 2, Max: 3})
	assert.Equal(t, Bytes{Writes: 4, Total: 16, Mean: 4, Max: 8}, b)
	b.Merge(Bytes{})
	assert.Equal(t, Bytes{Writes: 4, Total: 16, Mean: 4, Max: 8}, b)
}
