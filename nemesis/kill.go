package nemesis

// Process faults: only a cluster of real processes can take them.
const (
	Kill    = "kill"    // SIGKILL a node's process: its in-memory store is gone
	Restart = "restart" // start a killed node again, empty
)

// KillFault kills node.
func KillFault(node string) Fault {
	return Fault{F: Kill, Node: node, Params: map[string]string{"node": node}}
}

// RestartFault starts node again after a kill.
func RestartFault(node string) Fault {
	return Fault{F: Restart, Node: node, Params: map[string]string{"node": node}}
}
