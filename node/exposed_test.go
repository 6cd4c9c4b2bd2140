package node

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Only loopback is zero-configuration: every interface, another address,
// or a name with any address beyond loopback is exposed.
func TestExposed(t *testing.T) {
	names := map[string][]string{
		"localhost":  {"127.0.0.1", "::1"},
		"lan":        {"192.168.1.7"},
		"both":       {"127.0.0.1", "10.0.0.2"},
		"loopback-6": {"::1"},
	}
	old := lookup
	t.Cleanup(func() { lookup = old })
	lookup = func(_ context.Context, host string) ([]net.IPAddr, error) {
		ips, ok := names[host]
		if !ok {
			return nil, errors.New("no such host")
		}
		var out []net.IPAddr
		for _, ip := range ips {
			out = append(out, net.IPAddr{IP: net.ParseIP(ip)})
		}
		return out, nil
	}
	for _, tc := range []struct{ addr, why string }{
		{"127.0.0.1:7001", ""},
		{"127.3.2.1:7001", ""},
		{"[::1]:7001", ""},
		{"localhost:7001", ""},
		{"loopback-6:7001", ""},
		{":7001", "an empty host listens on every interface"},
		{"0.0.0.0:7001", "0.0.0.0 listens on every interface"},
		{"[::]:7001", ":: listens on every interface"},
		{"10.1.2.3:7001", "10.1.2.3 is not a loopback address"},
		{"[2001:db8::1]:7001", "2001:db8::1 is not a loopback address"},
		{"lan:7001", "lan resolves to 192.168.1.7: 192.168.1.7 is not a loopback address"},
		{"both:7001", "both resolves to 10.0.0.2: 10.0.0.2 is not a loopback address"},
	} {
		why, err := Exposed(t.Context(), tc.addr)
		require.NoError(t, err, tc.addr)
		assert.Equal(t, tc.why, why, tc.addr)
	}
	_, err := Exposed(t.Context(), "nowhere:7001")
	assert.ErrorContains(t, err, "no such host")
	_, err = Exposed(t.Context(), "7001")
	assert.ErrorContains(t, err, "missing port")
}
