package plot

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The metadata plot is a PNG; a path it cannot write is an error.
func TestMetadataWritesAPNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bytes.png")
	require.NoError(t, Metadata(path, []Size{
		{Strategy: "vv", Nodes: 3, Mean: 40, Max: 52}, {Strategy: "vv", Nodes: 5, Mean: 70, Max: 90},
		{Strategy: "dvv", Nodes: 3, Mean: 30, Max: 33}, {Strategy: "dvv", Nodes: 5, Mean: 31, Max: 35},
	}))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "\x89PNG\r\n\x1a\n", string(b[:8]))
	assert.Error(t, Metadata(filepath.Join(t.TempDir(), "no-such-dir", "bytes.png"), []Size{{Strategy: "vv", Nodes: 3}}))
}
