package store

// PlantSyncSkips makes every node leave the objects skip picks out of
// anti-entropy, until the returned function undoes it.
func PlantSyncSkips(skip func(key string, obj Object) bool) (undo func()) {
	mutations.syncSkips = skip
	return func() { mutations.syncSkips = nil }
}

// PlantReplicaSkips makes every coordinator leave the peers skip picks out
// when it replicates a write, until the returned function undoes it.
func PlantReplicaSkips(skip func(i int, peer string) bool) (undo func()) {
	mutations.replicaSkips = skip
	return func() { mutations.replicaSkips = nil }
}

// RegisterForTest registers a strategy until the returned function removes
// it, so tests that range over Names meet only the real strategies.
func RegisterForTest(name string, f Factory) (remove func()) {
	Register(name, f)
	return func() { delete(registry, name) }
}
