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

// Metadata measures every key, in key order.
func (a *Analysis) Metadata() []KeyMeta {
	type acc struct {
		KeyMeta
		via            map[string]bool
		metas, reads   int
		entries, bytes int
		versionsRead   int
	}
	keys := map[string]*acc{}
	for _, op := range a.Ops {
		m := keys[op.Key]
		if m == nil {
			m = &acc{KeyMeta: KeyMeta{Key: op.Key}, via: map[string]bool{}}
			keys[op.Key] = m
		}
		if op.Type != histories.OK {
			continue
		}
		switch {
		case op.F == histories.Read && op.Process == histories.Final:
			m.Final = max(m.Final, len(op.Versions))
		case op.F == histories.Read:
			m.reads++
			m.versionsRead += len(op.Versions)
			m.Siblings = max(m.Siblings, len(op.Versions))
		default:
			m.Writes++
			m.via[op.Node] = true
			if op.Meta == nil {
				continue
			}
			m.metas++
			m.entries += len(op.Meta.VV)
			m.bytes += op.Meta.Bytes
			m.Entries = max(m.Entries, len(op.Meta.VV))
			m.BytesMax = max(m.BytesMax, op.Meta.Bytes)
		}
	}
	out := make([]KeyMeta, 0, len(keys))
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		m := keys[k]
		m.Via = len(m.via)
		if m.metas > 0 {
			m.EntriesMean = float64(m.entries) / float64(m.metas)
			m.BytesMean = float64(m.bytes) / float64(m.metas)
		}
		if m.reads > 0 {
			m.SiblingsMean = float64(m.versionsRead) / float64(m.reads)
		}
		out = append(out, m.KeyMeta)
	}
	return out
}
