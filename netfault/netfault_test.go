package netfault

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cut is how long a dial across a cut link waits before it counts as cut.
const cut = 700 * time.Millisecond

// needFilter skips the test when not root, and fails it when root lacks nft.
func needFilter(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("packet filter rules need root; CI runs the tests as root")
	}
	require.NoError(t, Available(), "root without nft: run make dbs to install Debian's nftables")
}

// TestMain doubles as the helper process: a child that dials from a host's
// group, or that opens a filter and dies without closing it.
func TestMain(m *testing.M) {
	switch os.Getenv("NETFAULT_HELPER") {
	case "dial":
		c, err := net.DialTimeout("tcp", os.Getenv("NETFAULT_TO"), cut)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		c.Close()
		os.Exit(0)
	case "leak":
		f, err := New([]netip.Addr{netip.MustParseAddr("127.0.0.9")})
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println(f.Table())
		os.Exit(0) // without Close, as a killed run
	}
	os.Exit(m.Run())
}

// echo listens on addr:0 and echoes every connection; it returns the
// listen address.
func echo(t *testing.T, addr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr+":0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// dial connects to to from source address from ("" for unbound).
func dial(from, to string) error {
	d := net.Dialer{Timeout: cut}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	c, err := d.Dial("tcp", to)
	if err != nil {
		return err
	}
	return c.Close()
}

// dialAs connects to to from a child process in host's group, unbound.
func dialAs(t *testing.T, host netip.Addr, to string) error {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NETFAULT_HELPER=dial", "NETFAULT_TO="+to)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: Credential(host)}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

// roundTrip sends a line over c and reads it back within d.
func roundTrip(c net.Conn, d time.Duration) error {
	if err := c.SetDeadline(time.Now().Add(d)); err != nil {
		return err
	}
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return err
	}
	b := make([]byte, 5)
	_, err := io.ReadFull(c, b)
	return err
}

func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestPartitionCutsBothWaysAndHeals(t *testing.T) {
	needFilter(t)
	a, b, c := netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3"), netip.MustParseAddr("127.0.0.4")
	la, lb, lc := echo(t, a.String()), echo(t, b.String()), echo(t, c.String())
	f, err := New([]netip.Addr{a, b, c})
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()

	require.NoError(t, dial(a.String(), lb))
	require.NoError(t, dialAs(t, a, lb), "a process in a's group reaches b")
	// A connection a opened before the cut: its packets are dropped after.
	d := net.Dialer{Timeout: cut, LocalAddr: &net.TCPAddr{IP: net.ParseIP(a.String())}}
	old, err := d.Dial("tcp", lb)
	require.NoError(t, err)
	defer old.Close()
	require.NoError(t, roundTrip(old, 5*time.Second))

	require.NoError(t, f.Partition([][]netip.Addr{{a}, {b}}))
	assert.True(t, timedOut(dial(a.String(), lb)), "a→b is cut")
	assert.True(t, timedOut(dial(b.String(), la)), "b→a is cut")
	assert.Error(t, dialAs(t, a, lb), "a process in a's group, unbound, is cut from b too")
	assert.True(t, timedOut(roundTrip(old, cut)), "the connection a opened before the cut carries nothing")
	assert.NoError(t, dial(a.String(), lc), "c is in no group: its links stay")
	assert.NoError(t, dial("", lb), "a client on 127.0.0.1 still reaches b")
	assert.NoError(t, dial(a.String(), la), "a reaches itself")

	require.NoError(t, f.Heal())
	assert.NoError(t, dial(a.String(), lb))
	assert.NoError(t, dial(b.String(), la))
	assert.NoError(t, dialAs(t, a, lb))
}

func TestPartitionReplacesTheLast(t *testing.T) {
	needFilter(t)
	a, b, c := netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3"), netip.MustParseAddr("127.0.0.4")
	lb, lc := echo(t, b.String()), echo(t, c.String())
	f, err := New([]netip.Addr{a, b, c})
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	require.NoError(t, f.Partition([][]netip.Addr{{a}, {b, c}}))
	assert.True(t, timedOut(dial(a.String(), lb)))
	require.NoError(t, f.Partition([][]netip.Addr{{a, b}, {c}}))
	assert.NoError(t, dial(a.String(), lb))
	assert.True(t, timedOut(dial(a.String(), lc)))
}

func TestPartitionRejectsBadGroups(t *testing.T) {
	needFilter(t)
	a, b := netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")
	f, err := New([]netip.Addr{a, b})
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	assert.ErrorContains(t, f.Partition([][]netip.Addr{{a}, {netip.MustParseAddr("127.0.0.7")}}), "127.0.0.7 is not a host")
	assert.ErrorContains(t, f.Partition([][]netip.Addr{{a, b}, {b}}), "127.0.0.3 is in two groups")
}

func TestNewRejectsBadHosts(t *testing.T) {
	for _, tc := range []struct {
		hosts []netip.Addr
		want  string
	}{
		{nil, "no hosts"},
		{[]netip.Addr{netip.MustParseAddr("10.0.0.2")}, "not an IPv4 loopback"},
		{[]netip.Addr{netip.MustParseAddr("::1")}, "not an IPv4 loopback"},
		{[]netip.Addr{netip.MustParseAddr("127.0.0.1")}, "127.0.0.1 is every unbound socket's source"},
		{[]netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.2")}, "named twice"},
	} {
		_, err := New(tc.hosts)
		assert.ErrorContains(t, err, tc.want, "%v", tc.hosts)
	}
}

func TestUnavailableWithoutNft(t *testing.T) {
	if os.Geteuid() != 0 {
		var ue *UnavailableError
		require.ErrorAs(t, Available(), &ue)
		assert.Contains(t, ue.Reason, "root")
		return
	}
	t.Setenv("PATH", t.TempDir())
	_, err := New([]netip.Addr{netip.MustParseAddr("127.0.0.2")})
	var ue *UnavailableError
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, ue.Reason, "nft command is missing")
	_, err = Sweep()
	require.ErrorAs(t, err, &ue)
}

// ruleset is everything the kernel's packet filter holds now, both views.
func ruleset(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
	require.NoError(t, err, "%s", out)
	s := string(out)
	if _, err := exec.LookPath("iptables-save"); err == nil {
		out, err := exec.Command("iptables-save").CombinedOutput()
		require.NoError(t, err, "%s", out)
		s += string(out)
	}
	return s
}

func TestCloseLeavesNoRule(t *testing.T) {
	needFilter(t)
	a, b := netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")
	f, err := New([]netip.Addr{a, b})
	require.NoError(t, err)
	require.NoError(t, f.Partition([][]netip.Addr{{a}, {b}}))
	assert.Contains(t, ruleset(t), f.Table())
	require.NoError(t, f.Close())
	require.NoError(t, f.Close(), "closing twice does nothing")
	assert.NotContains(t, ruleset(t), f.Table())
	assert.ErrorContains(t, f.Heal(), "closed")
}

func TestSweepRemovesTablesOfDeadOwnersOnly(t *testing.T) {
	needFilter(t)
	mine, err := New([]netip.Addr{netip.MustParseAddr("127.0.0.2")})
	require.NoError(t, err)
	defer func() { require.NoError(t, mine.Close()) }()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NETFAULT_HELPER=leak")
	out, err := cmd.Output()
	require.NoError(t, err, "%s", out)
	leaked := strings.TrimSpace(string(out))
	require.True(t, strings.HasPrefix(leaked, prefix), leaked)
	tables, err := Tables()
	require.NoError(t, err)
	require.Contains(t, tables, leaked, "the dead helper left its table")

	swept, err := Sweep()
	require.NoError(t, err)
	assert.Contains(t, swept, leaked)
	assert.NotContains(t, swept, mine.Table())
	rules := ruleset(t)
	assert.NotContains(t, rules, leaked)
	assert.Contains(t, rules, mine.Table(), "a running owner's table stays")
}

func TestMarkIsTheAddress(t *testing.T) {
	assert.Equal(t, uint32(2130706434), Mark(netip.MustParseAddr("127.0.0.2")))
	assert.Equal(t, uint32(0x7f0a0b0c), GID(netip.MustParseAddr("127.10.11.12")))
	c := Credential(netip.MustParseAddr("127.0.0.3"))
	assert.Equal(t, uint32(0), c.Uid)
	assert.Equal(t, uint32(2130706435), c.Gid)
}
