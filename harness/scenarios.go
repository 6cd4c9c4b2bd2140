package harness

import (
	"time"

	"github.com/clockwise-kv/clockwise/histories"
	"github.com/clockwise-kv/clockwise/nemesis"
)

// Scenario is a scripted test: the same steps every time, for demos and
// tests that need one exact story.
type Scenario struct {
	Name  string
	Title string // what the scenario sets up, in one line
	Steps []Step
	// Setup, if set, adjusts the configuration the scenario runs with.
	Setup func(*Config)
}

// Config returns the configuration a scenario runs with: strategy on three
// nodes and two clients, fixed 1ms latency, no drops, then whatever Setup
// changes.
func (s Scenario) Config(strategy string) Config {
	c := DefaultConfig()
	c.Strategy = strategy
	c.Nodes, c.Clients = 3, 2
	c.Latency = Latency{Min: time.Millisecond}
	c.Drop = 0
	if s.Setup != nil {
		s.Setup(&c)
	}
	return c
}

func write(process, key, node, value string, afterRead bool) Call {
	return Call{Process: process, Op: Op{F: histories.Write, Key: key, Node: node, Value: value, AfterRead: afterRead}}
}

func read(process, key, node string) Call {
	return Call{Process: process, Op: Op{F: histories.Read, Key: key, Node: node}}
}

// SkewScenario is the lost-write story. n1's clock runs 5s fast. On key x,
// c1 writes a through n1 (w1); c2 reads x through n2, sees w1, and writes b
// with that context (w2): a happens-before pair. On key y, c1 and c2 write c
// and d at the same moment through n1 and n2 (w3, w4), blind: a concurrent
// pair.
func SkewScenario() Scenario {
	skew := nemesis.SkewFault(map[string]int64{"n1": int64(5 * time.Second)})
	return Scenario{
		Name:  "skew",
		Title: "n1's clock runs 5s fast; n2 and n3 keep true time",
		Steps: []Step{
			{Fault: &skew},
			{Calls: []Call{write("c1", "x", "n1", "a", false)}},
			{Pause: 50 * time.Millisecond, Calls: []Call{read("c2", "x", "n2")}},
			{Calls: []Call{write("c2", "x", "n2", "b", true)}},
			{Pause: 50 * time.Millisecond, Calls: []Call{write("c1", "y", "n1", "c", false), write("c2", "y", "n2", "d", false)}},
		},
	}
}

// TombstoneScenario is the far-future tombstone story, every clock on true
// time except for one request. c1 writes a to x through n2 (w1); c2 reads it
// through n3 and overwrites it with b (w2). Then the nemesis deletes x
// through n1 while n1's clock reads an hour ahead: it reads x (w2) and
// deletes it with that context (d3), so the tombstone carries a timestamp an
// hour in the future. After the delete c1 writes c blindly through n2 (w4),
// concurrent with the delete; c2 reads x through n3 and writes d with what it
// read (w5), a write that saw the tombstone.
func TombstoneScenario() Scenario {
	tomb := nemesis.TombstoneFault("n1", "x", time.Hour)
	return Scenario{
		Name:  "tombstone",
		Title: "n1's clock reads an hour ahead while it deletes x; otherwise every clock keeps true time",
		Steps: []Step{
			{Calls: []Call{write("c1", "x", "n2", "a", false)}},
			{Pause: 50 * time.Millisecond, Calls: []Call{read("c2", "x", "n3")}},
			{Calls: []Call{write("c2", "x", "n3", "b", true)}},
			{Pause: 50 * time.Millisecond, Fault: &tomb},
			{Pause: 50 * time.Millisecond, Calls: []Call{write("c1", "x", "n2", "c", false)}},
			{Pause: 50 * time.Millisecond, Calls: []Call{read("c2", "x", "n3")}},
			{Calls: []Call{write("c2", "x", "n3", "d", true)}},
		},
	}
}

// SiblingsScenario is the sibling explosion of the DVV paper. On key x, c1
// writes v1 through n1 (w1); c2 reads x through n1 and sees w1; c1 writes v2
// through n1, blind (w2, concurrent with w1); c2 writes v3 through n1 with
// the context of its read (w3, which follows w1 and is concurrent with w2).
// Every write is coordinated by n1. Exact causality keeps w2 and w3; one
// node-actor clock for the object cannot tell that w3 read w1 and not w2, so
// vv keeps w1 too, a stale sibling.
func SiblingsScenario() Scenario {
	return Scenario{
		Name:  "siblings",
		Title: "every write through n1: w1, then w2 blind, then w3 after reading only w1",
		Steps: []Step{
			{Calls: []Call{write("c1", "x", "n1", "v1", false)}},
			{Pause: 10 * time.Millisecond, Calls: []Call{read("c2", "x", "n1")}},
			{Pause: 10 * time.Millisecond, Calls: []Call{write("c1", "x", "n1", "v2", false)}},
			{Pause: 10 * time.Millisecond, Calls: []Call{write("c2", "x", "n1", "v3", true)}},
		},
	}
}

// PruneScenario is a write lost to pruning. Vectors keep at most 2 entries
// (Config.Options.Prune) and n3's clock runs 5s slow. c1 writes a through n1
// (w1), reads it through n2 and writes b (w2): x's clock is {n1:1 n2:1}.
// c1 reads w2 through n1 and c2 reads it through n3. c2 writes c through n3
// (w3): the clock gets n3's entry, three entries, and pruning drops the one
// bumped longest ago by the wall clocks, which is n3's own, since n3's clock
// is 5s behind. w3 now carries w2's clock exactly. c1 then writes d through
// n1 with the context of its read of w2 (w4): that context descends w3's
// pruned clock, so w4 replaces w3 although c1 never saw it.
func PruneScenario() Scenario {
	skew := nemesis.SkewFault(map[string]int64{"n3": -int64(5 * time.Second)})
	return Scenario{
		Name:  "prune",
		Title: "vectors capped at 2 entries; n3's clock runs 5s slow",
		Setup: func(c *Config) { c.Options.Prune = 2 },
		Steps: []Step{
			{Fault: &skew},
			{Calls: []Call{write("c1", "x", "n1", "a", false)}},
			{Pause: 50 * time.Millisecond, Calls: []Call{read("c1", "x", "n2")}},
			{Calls: []Call{write("c1", "x", "n2", "b", true)}},
			{Pause: 50 * time.Millisecond, Calls: []Call{read("c1", "x", "n1"), read("c2", "x", "n3")}},
			{Calls: []Call{write("c2", "x", "n3", "c", true)}},
			{Pause: 50 * time.Millisecond, Calls: []Call{write("c1", "x", "n1", "d", true)}},
		},
	}
}

// Scenarios lists the scripted scenarios by name.
func Scenarios() []Scenario {
	return []Scenario{SkewScenario(), TombstoneScenario(), SiblingsScenario(), PruneScenario()}
}

// ScenarioNamed returns the scenario called name.
func ScenarioNamed(name string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}
