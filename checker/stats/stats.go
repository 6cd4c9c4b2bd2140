// Package stats measures what a history's operations cost, from what
// the store reported and the clients timed: latency percentiles
// (Percentiles), the causal metadata written (Bytes) and each key's
// metadata and siblings (Meter). It measures plain numbers, so it knows
// nothing of the history they were taken from; the checker feeds it.
package stats

import (
	"maps"
	"slices"
)

// Latency summarises durations in ns: how many, the 50th and 99th
// percentiles (nearest rank) and the maximum.
type Latency struct {
	N   int   `json:"n"`
	P50 int64 `json:"p50"`
	P99 int64 `json:"p99"`
	Max int64 `json:"max"`
}

// Percentiles summarises ns; it does not change ns.
func Percentiles(ns []int64) Latency {
	if len(ns) == 0 {
		return Latency{}
	}
	s := slices.Clone(ns)
	slices.Sort(s)
	rank := func(p int) int64 { return s[(p*len(s)+99)/100-1] }
	return Latency{N: len(s), P50: rank(50), P99: rank(99), Max: s[len(s)-1]}
}

// Bytes summarises the causal metadata the coordinators reported
// (meta.bytes) after acknowledged writes: how many writes reported it, the
// total and the largest.
type Bytes struct {
	Writes int     `json:"writes"`
	Total  int     `json:"total"`
	Mean   float64 `json:"mean"`
	Max    int     `json:"max"`
}

// Add counts one more write's metadata size.
func (b *Bytes) Add(n int) {
	b.Writes++
	b.Total += n
	b.Max = max(b.Max, n)
	b.Mean = float64(b.Total) / float64(b.Writes)
}

// Merge adds everything o counted.
func (b *Bytes) Merge(o Bytes) {
	b.Writes += o.Writes
	b.Total += o.Total
	b.Max = max(b.Max, o.Max)
	if b.Writes > 0 {
		b.Mean = float64(b.Total) / float64(b.Writes)
	}
}

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

// A Meter measures keys an operation at a time. The zero Meter has
// measured nothing.
type Meter struct {
	keys map[string]*key
}

// key is what a Meter has measured of one key.
type key struct {
	KeyMeta
	via            map[string]bool
	metas, reads   int
	entries, bytes int
	versionsRead   int
}

func (m *Meter) key(k string) *key {
	if m.keys == nil {
		m.keys = map[string]*key{}
	}
	a := m.keys[k]
	if a == nil {
		a = &key{KeyMeta: KeyMeta{Key: k}, via: map[string]bool{}}
		m.keys[k] = a
	}
	return a
}

// Touch counts k among the keys measured: an operation of it that did
// not succeed measures nothing else.
func (m *Meter) Touch(k string) { m.key(k) }

// Write counts an acknowledged write or delete of k sent to node. meta
// says whether the store reported metadata; entries are its
// version-vector entries (meta.vv) and bytes its size (meta.bytes).
func (m *Meter) Write(k, node string, meta bool, entries, bytes int) {
	a := m.key(k)
	a.Writes++
	a.via[node] = true
	if !meta {
		return
	}
	a.metas++
	a.entries += entries
	a.bytes += bytes
	a.Entries = max(a.Entries, entries)
	a.BytesMax = max(a.BytesMax, bytes)
}

// Read counts a successful read of k that returned versions versions;
// final says it was a final read.
func (m *Meter) Read(k string, versions int, final bool) {
	a := m.key(k)
	if final {
		a.Final = max(a.Final, versions)
		return
	}
	a.reads++
	a.versionsRead += versions
	a.Siblings = max(a.Siblings, versions)
}

// Keys returns every key measured, in key order.
func (m *Meter) Keys() []KeyMeta {
	out := make([]KeyMeta, 0, len(m.keys))
	for _, k := range slices.Sorted(maps.Keys(m.keys)) {
		a := m.keys[k]
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
	return out
}
