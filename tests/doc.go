// Package tests holds clockwise's integration tests: real `clockwise node`
// processes on loopback, driven by the harness and judged by the checker.
// TestMain builds the clockwise binary once into a temporary folder.
package tests
