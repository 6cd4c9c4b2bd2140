package histories

import "github.com/clockwise-kv/clockwise/internal/wire"

// Type is an event's type: an operation began, or how it completed.
type Type string

// Types of events.
const (
	Invoke Type = "invoke" // an operation began
	OK     Type = "ok"     // it completed and took effect
	Fail   Type = "fail"   // it completed and definitely did not take effect
	Info   Type = "info"   // its outcome is unknown (timeout, crash); nemesis events
)

// Func is an event's f: the operation a process ran (Read, Write, Delete)
// or, for a nemesis event, the fault (skew, partition, tombstone, …).
type Func string

// Operations of clients (and of the nemesis, for a tombstone).
const (
	Read   Func = "read"
	Write  Func = "write"
	Delete Func = "delete"
)

// Unconverged is the f of the nemesis event the harness records when the
// replicas did not converge after every fault healed, before the final
// reads; its value says how long it waited ({"waited": "1m0s"}).
const Unconverged Func = "unconverged"

// Skipped is the f of the nemesis event a real cluster's run records for a
// fault the cluster could not take (its value names the fault and why), so
// that no fault is silently dropped.
const Skipped Func = "skipped"

// Processes that are not clients.
const (
	Nemesis = "nemesis"
	Final   = "final"
)

// Version is one version a read returned: the unique id of the write that
// created it, its value, and whether it is a tombstone
// ({"write": id, "value": v, "deleted": bool}). It is the store's and the
// node protocol's type too (package internal/wire defines it once).
type Version = wire.Version

// Dot is a (node, counter) event id ({"node": n, "counter": c}).
type Dot = wire.Dot

// Meta is the strategy's metadata for a write, for reports only: causality is
// never derived from it. Its fields, each omitted when zero: ts (timestamp,
// physical or logical), vv (version vector), dot (dotted version vector
// event), wait (commit wait, local-clock ns), bytes (encoded causal
// metadata of the key).
type Meta = wire.Meta

// Event is one line of a history.
type Event struct {
	Index   int    `json:"index"`   // position in the history, from 0
	Time    int64  `json:"time"`    // ns since the run began, in true time
	Process string `json:"process"` // c1…cN, nemesis or final
	Type    Type   `json:"type"`    // invoke, ok, fail, info
	F       Func   `json:"f"`       // read, write, delete, or the nemesis's fault
	Key     string `json:"key,omitempty"`
	Node    string `json:"node,omitempty"`  // the node that served the request
	Write   string `json:"write,omitempty"` // write and delete: the version's unique id
	// Value is a write's value. On the wire it shares the "value" field with
	// Params.
	Value    string    `json:"-"`
	Context  []string  `json:"context,omitempty"`  // write/delete: ids of the versions the client had read
	Versions []Version `json:"versions,omitempty"` // read ok: what came back
	Meta     *Meta     `json:"meta,omitempty"`
	Error    string    `json:"error,omitempty"`
	// Offset is the serving node's clock offset from true time, in ns, when
	// the node took the request (an extension of the format; absent:
	// unknown). It is written on the completion event.
	Offset *int64 `json:"offset,omitempty"`
	// Params are a nemesis event's parameters, written as the "value" object,
	// e.g. {"n1": "+5s"}.
	Params map[string]string `json:"-"`
}

// IsWrite reports whether e is a write or a delete: an operation that creates
// a version.
func (e *Event) IsWrite() bool { return e.F == Write || e.F == Delete }

// IsOp reports whether e is part of an operation on a key (read, write or
// delete) rather than a fault. Clients and the final reads only run
// operations; the nemesis runs them too when a fault is itself an operation
// (the tombstone fault reads a key and deletes it), so its events are either
// faults or operations.
func (e *Event) IsOp() bool { return e.F == Read || e.IsWrite() }

// IsFault reports whether e is a nemesis fault (skew, partition, tombstone,
// …) rather than an operation.
func (e *Event) IsFault() bool { return e.Process == Nemesis && !e.IsOp() }

// Starts reports whether a nemesis event of kind f starts a fault, rather
// than ending one (a partition's heal, the clocks' reset, a killed or
// crashed node's restart, as package nemesis names them) or noting one
// (the harness's unconverged, a fault a real cluster skipped): "6 faults"
// counts six faults, not three and their three heals.
func (f Func) Starts() bool {
	switch f {
	case "heal", "reset", "restart", Unconverged, Skipped:
		return false
	}
	return true
}

// Client reports whether e belongs to one of the clients c1…cN: neither the
// nemesis nor the final reads.
func (e *Event) Client() bool { return e.Process != Nemesis && e.Process != Final }

// Found reports whether a read that returned vs found the key: some version
// is not a tombstone. A read that returns only tombstones (or nothing) means
// "not found", yet its versions still name the deletes, so the context a
// client passes on covers them.
func Found(vs []Version) bool {
	for _, v := range vs {
		if !v.Deleted {
			return true
		}
	}
	return false
}
