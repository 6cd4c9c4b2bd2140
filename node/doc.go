// Package node runs one replica of clockwise's store as a real server: the
// same store.Node state machine the simulator drives, behind the node
// protocol (package protocol, docs/PROTOCOL.md) over HTTP.
//
// One goroutine, the loop, owns the store.Node: it feeds it client
// requests, peer messages and ticks from a real ticker, and reads its clock
// as the machine's wall clock plus the offset (and drift, and strobe) the
// admin API set, as a clock.Clock. Client requests wait for the node's
// reply up to Config.Timeout; a request the node cannot finish in time
// answers 504 and its outcome is unknown. Peer messages travel as JSON
// store.Message batches, POSTed to the peer's internal endpoint
// (/internal/v1/messages, not part of the protocol), one sender goroutine
// per peer; a message that cannot be delivered is dropped, as the
// simulator's network drops it, and anti-entropy repairs the loss. A peer
// blocked through the admin API gets nothing from this node and is refused
// (403) when it sends.
//
// Without Config.Data the store is in memory: a node that restarts comes
// back empty and recovers from its peers by anti-entropy. With it the node
// is durable: each round of the loop takes the queued inputs, saves the
// objects the store's Ready lists as changed to the data folder (a bbolt
// database, DataFile, one synced transaction per round) and only then sends
// the round's replies and peer messages, so nothing leaves the node that a
// restart on the folder would not bring back; New loads the folder.
//
// The control plane is guarded (guard.go): with Config.Token set,
// /admin/... and /internal/... require it as a bearer token (401 without
// it) and the node sends it to its peers; without one, Run serves on a
// loopback listener only (Exposed says why an address is not). The
// client API stays open. Every route bounds its body (413), the server
// bounds reading (ReadTimeout, 408 for a slow body), writing and idle
// keep-alive connections (IdleTimeout), and serves at most MaxConns
// connections, closing the one idle the longest at the limit. Keys,
// clocks and contexts outside the protocol's limits get 400, a write id
// reused with another value 409.
package node
