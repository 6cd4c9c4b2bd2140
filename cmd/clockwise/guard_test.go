package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/node"
	"github.com/clockwise-kv/clockwise/node/nodetest"
	"github.com/clockwise-kv/clockwise/protocol"
)

// check --cluster and node-check send the token of a guarded cluster, from
// --token or CLOCKWISE_TOKEN; without it the cluster refuses them (401) and
// they say so. The token is never written into the run folder.
func TestGuardedClusterTakesTheToken(t *testing.T) {
	const token = "tok-3f9a"
	guarded := func(c *node.Config) { c.Token = token }
	out := t.TempDir()
	t.Setenv(protocol.TokenEnv, "")

	checked := nodetest.Start(t, "vv", 3, guarded) // node-check's keys stay out of the checks' cluster
	code, stdout, _ := invoke(append([]string{"node-check"}, checked...)...)
	assert.Equal(t, exitInvalid, code, stdout)
	assert.Contains(t, stdout, "401 Unauthorized")
	code, stdout, stderr := invoke(append([]string{"node-check", "--token", token}, checked...)...)
	assert.Equal(t, exitValid, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "conformant")

	urls := strings.Join(nodetest.Start(t, "vv", 3, guarded), ",")
	code, stdout, stderr = invoke("check", "--cluster", urls, "--strategy", "vv", "--nemesis", "skew", "--ops", "60", "--out", out)
	assert.Equal(t, exitUsage, code, stdout)
	assert.Contains(t, stderr, "401 Unauthorized")
	assert.Contains(t, stderr, "no token")

	code, stdout, stderr = invoke("check", "--cluster", urls, "--strategy", "vv", "--nemesis", "skew,partition", "--ops", "60", "--out", out, "--token", token)
	require.Equal(t, exitValid, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "VALID")

	t.Setenv(protocol.TokenEnv, token)
	urls = strings.Join(nodetest.Start(t, "vv", 3, guarded), ",") // a cluster of its own for each run
	code, stdout, stderr = invoke("check", "--cluster", urls, "--strategy", "vv", "--nemesis", "skew", "--ops", "60", "--out", out)
	require.Equal(t, exitValid, code, "%s%s", stdout, stderr)

	err := filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.NotContains(t, string(b), token, "%s holds the token", path)
		return nil
	})
	require.NoError(t, err)
}
