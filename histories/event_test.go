package histories_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/clockwise-kv/clockwise/histories"
)

func TestEventPredicates(t *testing.T) {
	for _, tc := range []struct {
		e                     histories.Event
		client, op, fault, wr bool
	}{
		{histories.Event{Process: "c1", F: histories.Write}, true, true, false, true},
		{histories.Event{Process: "c2", F: histories.Read}, true, true, false, false},
		{histories.Event{Process: histories.Final, F: histories.Read}, false, true, false, false},
		{histories.Event{Process: histories.Nemesis, F: "skew"}, false, false, true, false},
		{histories.Event{Process: histories.Nemesis, F: histories.Delete}, false, true, false, true},
	} {
		assert.Equal(t, tc.client, tc.e.Client(), "%s %s: Client", tc.e.Process, tc.e.F)
		assert.Equal(t, tc.op, tc.e.IsOp(), "%s %s: IsOp", tc.e.Process, tc.e.F)
		assert.Equal(t, tc.fault, tc.e.IsFault(), "%s %s: IsFault", tc.e.Process, tc.e.F)
		assert.Equal(t, tc.wr, tc.e.IsWrite(), "%s %s: IsWrite", tc.e.Process, tc.e.F)
	}
}
