package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLevenshtein(t *testing.T) {
	assert.Equal(t, 0, levenshtein("nodes", "nodes"))
	assert.Equal(t, 1, levenshtein("stratgy", "strategy"))
	assert.Equal(t, 2, levenshtein("sede", "seed"))
	assert.Equal(t, 5, levenshtein("", "nodes"))
	assert.Equal(t, 3, levenshtein("kitten", "sitting"))
}
