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
}

// Config returns the configuration a scenario runs with: strategy on three
// nodes and two clients, fixed 1ms latency, no drops.
func (s Scenario) Config(strategy string) Config {
	c := DefaultConfig()
	c.Strategy = strategy
	c.Nodes, c.Clients = 3, 2
	c.Latency = Latency{Min: time.Millisecond}
	c.Drop = 0
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

// Scenarios lists the scripted scenarios by name.
func Scenarios() []Scenario { return []Scenario{SkewScenario(), TombstoneScenario()} }

// ScenarioNamed returns the scenario called name.
func ScenarioNamed(name string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}
