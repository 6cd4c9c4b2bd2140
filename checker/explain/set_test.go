package explain

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMinority(t *testing.T) {
	assert.True(t, minority("n1 | n2 n3", "n1"))
	assert.False(t, minority("n1 | n2 n3", "n2"))
	assert.False(t, minority("n1 n2 n3", "n2"))
	assert.False(t, minority("n1 | n2 n3", "n4"))
}
