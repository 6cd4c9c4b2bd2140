package checker

import (
	"maps"
	"slices"

	"github.com/clockwise-kv/clockwise/histories"
)

// KeyMeta is the measured cost of one key's causal metadata in a history:
// what the store reported on each acknowledged write (meta.vv, meta.bytes)
// and how many versions reads returned. Nothing is computed from a model of
// the strategy; a write without meta counts in Writes but not in the sizes.
type KeyMeta struct {
	Key    string `json:"key"`
	Writes int    `json:"writes"` // acknowledged writes and deletes
	// Via is how many distinct nodes clients sent those writes to.
	Via int `json:"via"`
	// Entries is the most version-vector entries (meta.vv) a write reported;
	// EntriesMean their mean over the writes that reported meta.
	Entries     int     `json:"entries"`
	EntriesMean float64 `json:"entries_mean"`
	// BytesMax and BytesMean are the encoded causal metadata of the key at
	// its coordinator after each write (meta.bytes).
	BytesMax  int     `json:"bytes_max"`
	BytesMean float64 `json:"bytes_mean"`
	// Siblings is the most versions a client read returned; SiblingsMean
	// their mean over the key's successful client reads.
	Siblings     int     `json:"siblings"`
	SiblingsMean float64 `json:"siblings_mean"`
	// Final is the most versions a final read returned.
	Final int `json:"final"`
}

// Metadata measures every key of a history, in key order. It fails only
// when the history is not a well-formed sequence of operations.
func Metadata(h []histories.Event) ([]KeyMeta, error) {
	ops, _, err := pair(h)
	if err != nil {
		return nil, err
	}
	type acc struct {
		KeyMeta
		via            map[string]bool
		metas, reads   int
		entries, bytes int
		versionsRead   int
	}
	keys := map[string]*acc{}
	for _, op := range ops {
		a := keys[op.Key]
		if a == nil {
			a = &acc{KeyMeta: KeyMeta{Key: op.Key}, via: map[string]bool{}}
			keys[op.Key] = a
		}
		if op.Type != histories.OK {
			continue
		}
		switch {
		case op.F == histories.Read && op.Process == histories.Final:
			a.Final = max(a.Final, len(op.Versions))
		case op.F == histories.Read:
			a.reads++
			a.versionsRead += len(op.Versions)
			a.Siblings = max(a.Siblings, len(op.Versions))
		default:
			a.Writes++
			a.via[op.Node] = true
			if op.Meta == nil {
				continue
			}
			a.metas++
			a.entries += len(op.Meta.VV)
			a.bytes += op.Meta.Bytes
			a.Entries = max(a.Entries, len(op.Meta.VV))
			a.BytesMax = max(a.BytesMax, op.Meta.Bytes)
		}
	}
	out := make([]KeyMeta, 0, len(keys))
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		a := keys[k]
		a.Via = len(a.via)
		if a.metas > 0 {
			a.EntriesMean = float64(a.entries) / float64(a.metas)
			a.BytesMean = float64(a.bytes) / float64(a.metas)
		}
		if a.reads > 0 {
			a.SiblingsMean = float64(a.versionsRead) / float64(a.reads)
		}
		out = append(out, a.KeyMeta)
	}
	return out, nil
}
