package results

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/clockwise-kv/clockwise/checker/stats"
)

// TestSummaryAddSumsEveryCount fills every count of a summary with its own
// number and adds it twice: each count doubles, so a count added to
// Summary and forgotten in Add fails here.
func TestSummaryAddSumsEveryCount(t *testing.T) {
	var o Summary
	v := reflect.ValueOf(&o).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Int {
			f.SetInt(int64(i + 1))
		}
	}
	o.LostByKind = map[LostKind]int{OverwrittenByOlder: 2, ConcurrentDropped: 3}
	o.MetaBytes = stats.Bytes{Writes: 2, Total: 10, Max: 7, Mean: 5}

	var s Summary
	s.Add(o)
	s.Add(o)
	got := reflect.ValueOf(s)
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Int {
			assert.Equal(t, 2*f.Int(), got.Field(i).Int(), v.Type().Field(i).Name)
		}
	}
	assert.Equal(t, map[LostKind]int{OverwrittenByOlder: 4, ConcurrentDropped: 6}, s.LostByKind)
	assert.Equal(t, stats.Bytes{Writes: 4, Total: 20, Max: 7, Mean: 5}, s.MetaBytes)
	assert.Equal(t, Answer(Invalid), s.Linearizable, "some key is not linearizable")

	var none Summary
	none.Add(Summary{LinearKeys: 2})
	assert.Equal(t, Answer(Valid), none.Linearizable)
	assert.Nil(t, none.LostByKind, "no kind to count, no map")
}
