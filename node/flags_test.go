package node_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/node"
	"github.com/clockwise-kv/clockwise/store"
)

// parse reads args as clockwise node does: onto the default configuration.
func parse(t *testing.T, args []string) node.Config {
	t.Helper()
	c := node.DefaultConfig()
	fs := pflag.NewFlagSet("node", pflag.ContinueOnError)
	c.Flags(fs)
	require.NoError(t, fs.Parse(args))
	return c
}

// A configuration written by Args parses back to itself, every field a
// flag of its own, whatever the defaults.
func TestArgsParseBackToTheConfig(t *testing.T) {
	want := node.Config{
		ID: "n2", Listen: "127.0.0.1:7102", Peers: map[string]string{"n1": "127.0.0.1:7101", "n3": "http://127.0.0.1:7103"}, Source: "127.0.3.3",
		Strategy: "vv-pruned", Options: store.Options{Epsilon: 3 * time.Millisecond, Prune: 4},
		W: 2, Replicas: 3, Incarnation: 5, Data: "/var/lib/clockwise/n2", Tick: 2 * time.Millisecond, Sync: 70 * time.Millisecond, Timeout: 9 * time.Second,
		MaxConns: 17, ReadTimeout: 3 * time.Second, IdleTimeout: 4 * time.Second,
	}
	assert.Equal(t, want, parse(t, want.Args()))
	secret := want
	secret.Token = "s3cret"
	assert.NotContains(t, strings.Join(secret.Args(), " "), "s3cret", "a command line is there for every user to read")
	assert.Equal(t, want, parse(t, secret.Args()), "the token is not a flag Args writes")
	d := node.DefaultConfig()
	d.ID, d.Peers = "n1", map[string]string{"n2": "127.0.0.1:7002"}
	assert.Equal(t, d, parse(t, d.Args()), "the defaults too")
}

// Without flags a node has the default configuration, and a malformed peer
// list is refused.
func TestFlagsDefaultAndRefuse(t *testing.T) {
	assert.Equal(t, node.DefaultConfig(), parse(t, nil))
	c := node.DefaultConfig()
	fs := pflag.NewFlagSet("node", pflag.ContinueOnError)
	c.Flags(fs)
	assert.ErrorContains(t, fs.Parse([]string{"--peers", "n2"}), "want id=host:port")
}
