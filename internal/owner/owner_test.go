package owner

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSelfIsAlive(t *testing.T) {
	tag, err := Self()
	require.NoError(t, err)
	assert.True(t, Alive(tag))
	s, err := StartTime(os.Getpid())
	require.NoError(t, err)
	assert.False(t, Alive(Tag(os.Getpid(), s+1)), "another start time is another process")
}

func TestDeadProcessIsNotAlive(t *testing.T) {
	cmd := exec.Command("true")
	require.NoError(t, cmd.Start())
	pid := cmd.Process.Pid
	s, err := StartTime(pid)
	require.NoError(t, err)
	require.NoError(t, cmd.Wait())
	assert.False(t, Alive(Tag(pid, s)))
}

func TestMalformedTagsNameNoProcess(t *testing.T) {
	for _, tag := range []string{"", "12", "x_1", "1_x", "1_2_3"} {
		assert.False(t, Alive(tag), tag)
	}
}
