package node

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/store"
)

// TestBatchesAreBoundedInBytes: messages queued faster than they are
// delivered go in batches of at most maxBatchBytes of JSON, a message
// larger than that alone, all of them once and in order.
func TestBatchesAreBoundedInBytes(t *testing.T) {
	s := &Server{log: log.New(io.Discard, "", 0)}
	sizes := []int{10, 300 << 10, 300 << 10, 300 << 10, 300 << 10, 3 << 20, 5, 900 << 10, 900 << 10, 7}
	var sent []store.Message
	for i, n := range sizes {
		sent = append(sent, store.Message{Kind: store.Replicate, From: "n1", To: "n2", Objects: []store.Keyed{{
			Key: fmt.Sprint("k", i), Object: store.Object{Siblings: []store.Sibling{{Version: store.Version{Write: fmt.Sprint("w", i), Value: strings.Repeat("x", n)}}}},
		}}})
	}
	var b batch
	var got []store.Message
	var bodies []int
	take := func() {
		body, n := b.take()
		var ms []store.Message
		require.NoError(t, json.Unmarshal(body, &ms))
		require.Len(t, ms, n)
		got = append(got, ms...)
		bodies = append(bodies, len(body))
		if n > 1 {
			assert.LessOrEqual(t, len(body), maxBatchBytes, "a batch of %d messages", n)
		}
	}
	for _, m := range sent {
		b.resume()
		b.add(m, s)
		if b.next != nil {
			take()
		}
	}
	b.resume()
	take()
	require.Equal(t, len(sent), len(got))
	for i := range sent {
		assert.True(t, sent[i].Objects[0].Object.Equal(got[i].Objects[0].Object), "message %d", i)
	}
	assert.Len(t, bodies, 5, "batches of %v bytes: 10+3×300K, 300K, 3M alone, 5+900K, 900K+7", bodies)
}
