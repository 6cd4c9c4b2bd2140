// Package tests holds clockwise's integration tests: real `clockwise node`
// processes on loopback, driven by the harness and judged by the checker.
// TestMain builds the clockwise binary once into a temporary folder, or
// takes the one $CLOCKWISE_BINARY names. The end-to-end benchmarks are
// also given as multiples of a bare event loop measured in turns with
// them (yardstick_test.go).
package tests
