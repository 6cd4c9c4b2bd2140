// Package protocol is the node protocol, version 1: the HTTP/JSON interface
// through which clockwise drives a replica, whether it is clockwise's own
// (clockwise node) or a user's store. docs/PROTOCOL.md is its full text;
// this package holds its wire types and a Client. A read's versions and a
// write's metadata are the history's types (histories.Version,
// histories.Meta), so a Read or a Written goes into a history as it is.
//
// The client API is three calls on /kv/{key} (the key path-escaped):
//
//	GET    /kv/{key}  → Read: every surviving version (siblings, tombstones
//	                    included) and an opaque context string
//	PUT    /kv/{key}  ← Put: a value under a unique write id, with the
//	                    context the client read (empty: a blind write)
//	DELETE /kv/{key}  ← Delete: a tombstone under a unique write id
//
// A PUT or DELETE answers 200 with Written once the write is acknowledged.
// Every error is an HTTP status with a JSON body {"error": "..."}: a 4xx
// means the request was not applied, a 5xx or no answer means its outcome
// is unknown (see Failed).
//
// The admin API is what the nemesis needs; a node may implement any part
// of it and says which in Info.Admin:
//
//	GET /admin/info              → Info: node id, protocol version, strategy
//	PUT /admin/clock ← Clock     set the clock's offset, drift (and strobe)
//	GET /admin/clock → ClockState
//	PUT /admin/blocked ← Blocked refuse traffic to and from these peers
//	GET /admin/blocked → Blocked
//	GET /admin/state → State     a digest per key and pending writes
//	                             (?prefix=P: the keys that begin with P)
//
// Fields may be added to any message in a later revision of version 1;
// readers ignore fields they do not know. A change that breaks a reader
// is a new version.
package protocol
