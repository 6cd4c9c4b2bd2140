// Package nemesis injects faults into a cluster, Jepsen-style: clock skew
// (a node's clock jumps ahead or behind), clock strobe (it flips back and
// forth rapidly), and network partitions (one node isolated, or the cluster
// split into random halves), each started and stopped on a seeded schedule;
// crashes of a simulated node (it loses its in-memory state and restarts
// empty one spell later, to recover from its peers); and far-future
// tombstones: at a scheduled moment a key is deleted through a
// node whose clock reads far ahead (an hour by default) for that one request,
// so the tombstone carries a timestamp from the future.
//
// A tombstone is an operation, not a state of the cluster: Apply leaves it to
// the caller, which runs it like a client (read the key through the node,
// then delete it with what it read) and records that read and delete in the
// history next to the fault event, so the checker judges the delete as a
// write with its own id, timestamp and acknowledgement.
//
// A Nemesis decides what to break and when; it acts through the Cluster
// interface, which the harness implements, and describes every fault as a
// Fault whose F and Params the harness writes to the history as a nemesis
// event, so a reader sees when each fault started and stopped. Clock faults
// hand the cluster a new clock.Clock for a node. Kills schedules kill and
// restart, and Pauses pause and resume (SIGSTOP, SIGCONT), process faults
// that only a cluster of real processes takes.
package nemesis

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/clockwise-kv/clockwise/clock"
)

// Fault kinds, as they appear in the history's f field.
const (
	Skew      = "skew"      // set node clock offsets
	Strobe    = "strobe"    // make a node's clock strobe
	Reset     = "reset"     // put clocks back on true time
	Partition = "partition" // split the network
	Heal      = "heal"      // end every partition
	Tombstone = "tombstone" // delete a key through a node whose clock reads far ahead
	Crash     = "crash"     // a node crashes, losing its state (a real one its data folder too); Restart brings it back empty
)

// Kinds lists the nemesis kinds a test may enable.
var Kinds = []string{Skew, Strobe, Partition, Tombstone, Crash}

// RealKinds lists the kinds only a real cluster takes: killing or pausing
// a node needs a process to signal (pause: real databases only).
var RealKinds = []string{Kill, Pause}

// Cluster is what a nemesis acts on.
type Cluster interface {
	// Nodes lists the cluster's nodes, sorted.
	Nodes() []string
	// SetClock replaces node's clock.
	SetClock(node string, c clock.Clock)
	// Partition cuts every link between nodes of different groups.
	Partition(groups [][]string)
	// Heal restores every link.
	Heal()
}

// Fault is one nemesis action.
type Fault struct {
	F      string
	Clocks map[string]clock.Clock // Skew, Strobe, Reset: each node's new clock
	Groups [][]string             // Partition
	// Tombstone: delete Key through Node, whose clock reads Offset ns
	// further ahead while it handles the delete.
	Node   string
	Key    string
	Offset int64
	Params map[string]string // what the history records as the event's value
}

// Apply performs f on c. A Tombstone changes nothing in the cluster: the
// caller runs its delete (see the package documentation).
func Apply(c Cluster, f Fault) {
	for _, n := range slices.Sorted(maps.Keys(f.Clocks)) {
		c.SetClock(n, f.Clocks[n])
	}
	switch f.F {
	case Partition:
		c.Partition(f.Groups)
	case Heal:
		c.Heal()
	}
}

// Options configure a Nemesis.
type Options struct {
	Kinds    []string         // enabled fault kinds (Kinds); empty: none
	Interval time.Duration    // mean time a fault lasts, and mean time between faults
	Skew     map[string]int64 // fixed offsets for skew faults; empty: a random node and offset
	MaxSkew  time.Duration    // bound of random skew offsets (±)
	Strobe   time.Duration    // strobe amplitude
	Period   time.Duration    // strobe half-period
	// TombstoneOffset is how far ahead a tombstone's node stamps the delete.
	TombstoneOffset time.Duration
	// Keys are the keys a tombstone may delete; without keys no tombstone
	// is scheduled.
	Keys []string
}

// DefaultOptions are skew plus partitions, a fault about every 300ms.
func DefaultOptions() Options {
	return Options{
		Kinds:    []string{Skew, Partition},
		Interval: 300 * time.Millisecond,
		MaxSkew:  5 * time.Second,
		Strobe:   200 * time.Millisecond,
		Period:   10 * time.Millisecond,

		TombstoneOffset: time.Hour,
	}
}

// ParseKinds parses a comma-separated list of fault kinds; "none" and ""
// enable none.
func ParseKinds(s string) ([]string, error) {
	if s == "" || s == "none" {
		return nil, nil
	}
	var out []string
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		if !slices.Contains(Kinds, k) && !slices.Contains(RealKinds, k) {
			return nil, fmt.Errorf("nemesis: unknown fault %q (known: %s, or none)", k, strings.Join(slices.Concat(Kinds, RealKinds), ", "))
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// Step is a fault due at a true time.
type Step struct {
	At    int64
	Fault Fault
}

// Schedule is where a run takes its faults from, one after another: the
// Nemesis, Kills, or a list a run recorded. Both runners, the simulator and
// the real one, drive faults through it.
type Schedule interface {
	// Next returns the next fault and the true time it is due, or false
	// when the schedule has no more.
	Next() (Step, bool)
	// Stop ends the schedule and returns the faults that undo what it has
	// under way.
	Stop() []Fault
}

var (
	_ Schedule = (*Nemesis)(nil)
	_ Schedule = (*Kills)(nil)
)

// cycle is one independent start/stop loop: clocks, network or tombstones.
// A tombstone is instantaneous, so the tombstone cycle is never active.
type cycle struct {
	kinds  []string
	active bool
	next   int64
	undo   Fault
}

// Nemesis schedules faults. Clock faults, partitions and tombstones run on
// independent cycles, so they overlap; each cycle alternates a fault and a
// quiet spell, each lasting between half and one and a half Intervals (a
// tombstone takes no time: tombstones come one spell apart).
type Nemesis struct {
	opts   Options
	nodes  []string
	rng    *rand.Rand
	cycles []*cycle
}

// New returns a nemesis for a cluster of nodes, drawing from rng.
func New(opts Options, nodes []string, rng *rand.Rand) *Nemesis {
	nm := &Nemesis{opts: opts, nodes: slices.Sorted(slices.Values(nodes)), rng: rng}
	var clocks, network, tombstones, crashes []string
	for _, k := range opts.Kinds {
		switch {
		case k == Partition:
			network = append(network, k)
		case k == Crash:
			crashes = append(crashes, k)
		case k == Tombstone:
			if len(opts.Keys) > 0 {
				tombstones = append(tombstones, k)
			}
		default:
			clocks = append(clocks, k)
		}
	}
	for _, ks := range [][]string{clocks, network, tombstones, crashes} {
		if len(ks) > 0 {
			nm.cycles = append(nm.cycles, &cycle{kinds: ks, next: nm.spell()})
		}
	}
	return nm
}

func (nm *Nemesis) spell() int64 {
	iv := int64(nm.opts.Interval)
	if iv <= 0 {
		iv = int64(500 * time.Millisecond)
	}
	return iv/2 + nm.rng.Int64N(iv+1)
}

// Next returns the next step no earlier than now, or false when no fault is
// enabled. Steps come in time order; call Next again after each.
func (nm *Nemesis) Next() (Step, bool) {
	if len(nm.cycles) == 0 {
		return Step{}, false
	}
	c := nm.cycles[0]
	for _, d := range nm.cycles[1:] {
		if d.next < c.next {
			c = d
		}
	}
	at := c.next
	var f Fault
	if c.active {
		f = c.undo
	} else {
		f, c.undo = nm.fault(c.kinds[nm.rng.IntN(len(c.kinds))])
	}
	c.active = !c.active && f.F != Tombstone
	c.next = at + nm.spell()
	return Step{At: at, Fault: f}, true
}

// Stop returns the faults that undo whatever is active, to be applied before
// the final reads.
func (nm *Nemesis) Stop() []Fault {
	var out []Fault
	for _, c := range nm.cycles {
		if c.active {
			out = append(out, c.undo)
			c.active = false
		}
	}
	return out
}

// fault builds a fault of kind and the fault that undoes it.
func (nm *Nemesis) fault(kind string) (Fault, Fault) {
	switch kind {
	case Skew:
		offs := nm.opts.Skew
		if len(offs) == 0 {
			// Whole milliseconds read better in reports; a bound of 0 is
			// no skew.
			ms := max(int64(nm.opts.MaxSkew), 0) / int64(time.Millisecond)
			off := (nm.rng.Int64N(2*ms+1) - ms) * int64(time.Millisecond)
			offs = map[string]int64{nm.pick(): off}
		}
		clocks := map[string]clock.Clock{}
		for n, off := range offs {
			clocks[n] = clock.Clock{Offset: off}
		}
		return clockFault(Skew, clocks), ResetFault(clocks)
	case Strobe:
		clocks := map[string]clock.Clock{nm.pick(): {Strobe: int64(nm.opts.Strobe), Period: int64(nm.opts.Period)}}
		return clockFault(Strobe, clocks), ResetFault(clocks)
	case Partition:
		return PartitionFault(nm.split()...), HealFault()
	case Tombstone:
		key := nm.opts.Keys[nm.rng.IntN(len(nm.opts.Keys))]
		return TombstoneFault(nm.pick(), key, nm.opts.TombstoneOffset), Fault{}
	case Crash:
		n := nm.pick()
		return CrashFault(n), RestartFault(n)
	}
	panic("nemesis: unknown fault kind " + kind)
}

// SkewFault sets fixed clock offsets, e.g. for a scripted scenario.
func SkewFault(offsets map[string]int64) Fault {
	clocks := map[string]clock.Clock{}
	for n, off := range offsets {
		clocks[n] = clock.Clock{Offset: off}
	}
	return clockFault(Skew, clocks)
}

// PartitionFault isolates groups from each other.
func PartitionFault(groups ...[]string) Fault {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = strings.Join(g, " ")
	}
	return Fault{F: Partition, Groups: groups, Params: map[string]string{"groups": strings.Join(parts, " | ")}}
}

// TombstoneFault deletes key through node, whose clock reads offset further
// ahead while it stamps the delete: a clock that jumps forward and is stepped
// back right after, so only the delete carries a timestamp from the future.
func TombstoneFault(node, key string, offset time.Duration) Fault {
	return Fault{F: Tombstone, Node: node, Key: key, Offset: int64(offset), Params: map[string]string{
		"node": node, "key": key, "offset": clock.Signed(int64(offset)),
	}}
}

// CrashFault crashes a simulated node: it drops every message and request
// until RestartFault brings it back with an empty store.
func CrashFault(node string) Fault {
	return Fault{F: Crash, Node: node, Params: map[string]string{"node": node}}
}

// HealFault ends every partition.
func HealFault() Fault { return Fault{F: Heal, Params: map[string]string{}} }

func clockFault(f string, clocks map[string]clock.Clock) Fault {
	p := map[string]string{}
	for n, c := range clocks {
		p[n] = c.String()
	}
	return Fault{F: f, Clocks: clocks, Params: p}
}

// ResetFault puts the clock of every node clocks names back on true time.
func ResetFault(clocks map[string]clock.Clock) Fault {
	zero := map[string]clock.Clock{}
	for n := range clocks {
		zero[n] = clock.Clock{}
	}
	return clockFault(Reset, zero)
}

func (nm *Nemesis) pick() string { return nm.nodes[nm.rng.IntN(len(nm.nodes))] }

// split isolates one node (half the time) or splits the nodes into random
// halves.
func (nm *Nemesis) split() [][]string {
	nodes := slices.Clone(nm.nodes)
	if len(nodes) < 2 {
		return [][]string{nodes}
	}
	if nm.rng.IntN(2) == 0 {
		i := nm.rng.IntN(len(nodes))
		rest := slices.Delete(slices.Clone(nodes), i, i+1)
		return [][]string{{nodes[i]}, rest}
	}
	nm.rng.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	a, b := nodes[:len(nodes)/2], nodes[len(nodes)/2:]
	slices.Sort(a)
	slices.Sort(b)
	return [][]string{a, b}
}
