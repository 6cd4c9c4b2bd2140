package store

// RegisterForTest registers a strategy until the returned function removes
// it, so tests that range over Names meet only the real strategies.
func RegisterForTest(name string, f Factory) (remove func()) {
	Register(name, f)
	return func() { delete(registry, name) }
}
