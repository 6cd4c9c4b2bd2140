// Package wire holds the data shapes that the store, the history format and
// the node protocol share, defined once: a Version a read returns, the Dot
// that names a write, and the Meta a strategy reports for a write. Package
// store, package histories and package protocol name them under their own
// names (store.Version, histories.Version, ...), aliases of these, so that
// a store's reply, a history's read and a protocol answer are one type and
// one JSON encoding, with no copying between them.
//
// The JSON field names are part of the public history format and of the
// node protocol: fields may be added, none renamed.
package wire

// Version is one version of a key as a client sees it: the unique id of the
// write that created it, its value and whether it is a tombstone.
type Version struct {
	Write   string `json:"write"`
	Value   string `json:"value"`
	Deleted bool   `json:"deleted"`
}

// Dot names one event: the Counter-th write coordinated by Node (an actor).
type Dot struct {
	Node    string `json:"node"`
	Counter uint64 `json:"counter"`
}

// Meta is a strategy's metadata for an acknowledged write, for people to
// read: causality is never derived from it.
type Meta struct {
	TS    int64             `json:"ts,omitempty"`    // timestamp (physical or logical)
	VV    map[string]uint64 `json:"vv,omitempty"`    // version vector after the write
	Dot   *Dot              `json:"dot,omitempty"`   // dotted version vector event
	Wait  int64             `json:"wait,omitempty"`  // commit wait served, local-clock ns
	Bytes int               `json:"bytes,omitempty"` // encoded causal metadata of the key, bytes
}
