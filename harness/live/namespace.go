package live

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/clockwise-kv/clockwise/histories"
)

// NewNamespace returns a fresh namespace for a run on a cluster:
// "clockwise-" and 12 random hex digits, e.g. clockwise-5b0e3c1f9a7d.
//
// A run's keys and write ids go to the cluster prefixed with its namespace
// and Sep (key k1 of run clockwise-5b0e3c1f9a7d is
// clockwise-5b0e3c1f9a7d:k1, its write w12 clockwise-5b0e3c1f9a7d:w12), so
// runs on one cluster, one after another or at once, never read each
// other's keys, and its final reads and convergence cover its own keys
// alone. The history keeps the logical names (k1, w12), as the simulator's
// does.
func NewNamespace() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "clockwise-" + hex.EncodeToString(b[:])
}

// Sep separates a run's namespace from its keys and write ids on the
// cluster.
const Sep = ":"

// space maps a run's logical keys and write ids to the cluster's and back.
type space struct {
	prefix string // the namespace and Sep
}

// key is k's name on the cluster.
func (s space) key(k string) string { return s.prefix + k }

// write is write id w's name on the cluster.
func (s space) write(w string) string {
	if w == "" {
		return ""
	}
	return s.prefix + w
}

// local names a key or write id of the cluster as the run does: the
// namespace stripped. A name outside the namespace (another writer's
// version of a run's key) stays whole, so the checker sees a write it did
// not invoke.
func (s space) local(name string) string {
	if l, ok := strings.CutPrefix(name, s.prefix); ok {
		return l
	}
	return name
}

// versions returns vs with each write id named as the run names it.
func (s space) versions(vs []histories.Version) []histories.Version {
	out := make([]histories.Version, len(vs))
	for i, v := range vs {
		v.Write = s.local(v.Write)
		out[i] = v
	}
	return out
}
