// Package histories is the history model of clockwise and its public file
// format: one Event per line, in JSON (JSON Lines).
//
// A history records, in true time, every operation a client invoked and how
// it completed, every fault the nemesis injected, and the final reads taken
// after every fault healed and the replicas converged. A fault that is itself
// an operation (the tombstone nemesis reads a key and deletes it) appears as
// a nemesis fault event followed by the nemesis's own read and delete, which
// are recorded like a client's (invoke, then ok/fail/info, with a write id):
// IsFault tells the two apart. The field names are a
// contract (see docs/HISTORY.md and docs/ARCHITECTURE.md): new fields may be added,
// none renamed. An event's type and f are typed (Type, Func) and written as
// the strings the format names. Anything that writes this format can be
// judged by the checker. A read's Version, a write's Meta and its Dot are
// the store's and the node protocol's types too, defined once in package
// internal/wire, so a reply becomes an event without a copy of its own.
//
// Writer streams events to disk a whole line at a time, so a run killed
// midway leaves a file whose every line is complete. Decode and ReadFile report
// a malformed file with the line number and the field at fault; Load and
// DecodeFile read the whole lines of a file whose last line was cut short
// (by another writer, or a disk that filled up) and say so.
package histories
