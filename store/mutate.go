package store

// mutations plant bugs in every Node for the mutation tests, which set them
// through export_test.go and require a sweep to catch each one. Outside
// those tests they are nil, and a Node behaves as documented.
var mutations struct {
	// syncSkips leaves the key's object out of anti-entropy: out of the
	// rounds a node starts and out of its answers.
	syncSkips func(key string, obj Object) bool
	// replicaSkips leaves peer, the i-th the write goes to, out when a
	// coordinator replicates a write.
	replicaSkips func(i int, peer string) bool
}

// syncSkipped reports whether a mutation leaves key out of anti-entropy.
func syncSkipped(key string, obj Object) bool {
	return mutations.syncSkips != nil && mutations.syncSkips(key, obj)
}
