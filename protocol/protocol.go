package protocol

import (
	"slices"

	"github.com/clockwise-kv/clockwise/clock"
	"github.com/clockwise-kv/clockwise/histories"
)

// V1 is the protocol version this package speaks.
const V1 = 1

// Read answers GET /kv/{key}: every surviving version of the key, siblings
// and tombstones included (a key never written has none), and the opaque
// context a client passes back with its next write of the key.
type Read struct {
	Versions []histories.Version `json:"versions"`
	Context  string              `json:"context"`
}

// Put is the body of PUT /kv/{key}: the value to write, its unique write
// id, and the context of the client's last read of the key (empty: a blind
// write).
type Put struct {
	Write   string `json:"write"`
	Value   string `json:"value"`
	Context string `json:"context,omitempty"`
}

// Delete is the body of DELETE /kv/{key}: the tombstone's unique write id
// and the context of the client's last read of the key.
type Delete struct {
	Write   string `json:"write"`
	Context string `json:"context,omitempty"`
}

// Written answers an acknowledged PUT or DELETE. Meta, optional, is the
// store's metadata for the write (a timestamp, a version vector), recorded
// in the history for reports; nothing judges causality by it.
type Written struct {
	Meta *histories.Meta `json:"meta,omitempty"`
}

// Error is the body of every error response.
type Error struct {
	Error string `json:"error"`
}

// Admin features a node lists in Info.Admin, each the endpoints a kind of
// fault needs.
const (
	FeatureClock   = "clock"   // PUT and GET /admin/clock with offset and drift: skew
	FeatureStrobe  = "strobe"  // /admin/clock also takes strobe_ns and period_ns: strobe
	FeatureBlocked = "blocked" // PUT and GET /admin/blocked: partitions
	FeatureState   = "state"   // GET /admin/state: convergence before the final reads
)

// Features lists every admin feature.
var Features = []string{FeatureClock, FeatureStrobe, FeatureBlocked, FeatureState}

// Info answers GET /admin/info: who the node is and what it implements.
type Info struct {
	Protocol int    `json:"protocol"`           // the protocol version, V1
	Node     string `json:"node"`               // the node's id, as its peers name it
	Software string `json:"software,omitempty"` // free text, e.g. "clockwise node"
	Strategy string `json:"strategy,omitempty"` // how it resolves conflicts, free text
	// Siblings is true when the node keeps concurrent writes of a key as
	// siblings, false when one of them wins.
	Siblings bool     `json:"siblings"`
	Peers    []string `json:"peers,omitempty"`    // the other nodes, by id
	Replicas int      `json:"replicas,omitempty"` // nodes that hold each key; 0: every node
	W        int      `json:"w,omitempty"`        // replicas that store a write before its ack
	Admin    []string `json:"admin"`              // the admin features it implements (Features)
}

// Has reports whether the node implements an admin feature.
func (i Info) Has(feature string) bool { return slices.Contains(i.Admin, feature) }

// Clock is the body of PUT /admin/clock: the node's clock reads true time
// plus OffsetNS plus Drift seconds per second since the call; with
// feature strobe, StrobeNS more during every other PeriodNS. A call
// replaces the previous clock; all zero puts it back on true time.
type Clock struct {
	OffsetNS int64   `json:"offset_ns"`
	Drift    float64 `json:"drift,omitempty"`
	StrobeNS int64   `json:"strobe_ns,omitempty"`
	PeriodNS int64   `json:"period_ns,omitempty"`
}

// ClockOf is the Clock that sets c; c.Since is not sent: the node
// counts from when it takes the clock.
func ClockOf(c clock.Clock) Clock {
	return Clock{OffsetNS: c.Offset, Drift: c.Drift, StrobeNS: c.Strobe, PeriodNS: c.Period}
}

// ClockState answers GET /admin/clock: the clock last set and what it
// reads now (Unix ns).
type ClockState struct {
	Clock
	NowNS int64 `json:"now_ns"`
}

// Blocked is the body of PUT /admin/blocked and the answer of GET: the
// peers (by id) the node exchanges no traffic with, in either direction.
// A PUT replaces the set; an empty list unblocks every peer.
type Blocked struct {
	Peers []string `json:"peers"`
}

// State answers GET /admin/state: a digest of each key the node holds
// (equal digests mean equal contents, nodes agreeing on how to compute
// them) and how many writes it still holds back (a commit wait): the
// harness takes the final reads once no node has pending writes and the
// nodes holding a key agree on its digest.
type State struct {
	Keys    map[string]string `json:"keys"`
	Pending int               `json:"pending"`
}
