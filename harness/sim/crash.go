package sim

import (
	"fmt"
)

// crash takes node down, as a process that died: its store and the writes
// held in its commit wait are gone, it drops every message and request that
// reaches it (clients time out), and it is not ticked. Messages it sent
// before are still on their way.
func (c *cluster) crash(node string) {
	i, ok := c.index[node]
	if !ok || c.members[i].down {
		return
	}
	m := &c.members[i]
	m.down = true
	if m.holds {
		m.holds = false
		c.holding--
	}
}

// restart brings a crashed node back with an empty store, to recover from
// its peers by anti-entropy. Its strategy acts under a new actor id (n1,
// then n1.2, n1.3…), as a store that keeps no counter on disk must, so no
// version-vector entry or dot of its former life is issued again.
func (c *cluster) restart(node string) error {
	if !c.isDown(node) {
		return nil
	}
	i := c.index[node]
	m := &c.members[i]
	m.lives++
	n, err := c.newNode(node, fmt.Sprintf("%s.%d", node, m.lives+1))
	if err != nil {
		return fmt.Errorf("harness: restart %s: %w", node, err)
	}
	m.down = false
	c.replace(i, n)
	return nil
}

// isDown reports whether node is crashed.
func (c *cluster) isDown(node string) bool {
	i, ok := c.index[node]
	return ok && c.members[i].down
}

// crashed lists the nodes that are down.
func (c *cluster) crashed() []string {
	var out []string
	for i, m := range c.members {
		if m.down {
			out = append(out, c.names[i])
		}
	}
	return out
}

// floorTo rounds t down to a multiple of res.
func floorTo(t, res int64) int64 {
	r := t % res
	if r < 0 {
		r += res
	}
	return t - r
}
