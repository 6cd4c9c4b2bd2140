// Package netfault cuts and restores network links between processes on
// loopback addresses (127.0.0.0/8) with kernel packet filter rules, so that a
// partition drops real packets in the kernel, as a partition between hosts
// does.
//
// # Hosts on loopback
//
// A host is a loopback address, 127.0.0.2 say, on which one or more
// processes listen. Filtering by source address alone cannot tell hosts
// apart on loopback: Linux gives a socket that connects to 127.0.0.3 without
// binding first the source address 127.0.0.1 (the local route's preferred
// source), whichever process opens it, and most servers (etcd among them)
// dial their peers that way. So a host's connections are recognized by
// either of two marks, whichever the process gives:
//
//   - its source address: a socket bound to the host's address before it
//     connects (Redis's bind-source-addr, a net.Dialer's LocalAddr);
//   - its group id: a process started with the host's Credential (user root,
//     group GID(addr)) opens sockets that carry that group, which the filter
//     reads as packets leave.
//
// The first packet of each connection a host opens marks the kernel's
// connection tracking entry with the host (its address as a number); a
// partition then drops every packet, both ways, of any connection from a
// host in one group to a host in another. A host must be named to New before
// its processes open the connections a partition should cut: connections
// opened earlier carry no mark. Traffic of unnamed processes (a test's
// clients on 127.0.0.1) passes: clients reach every host, as Jepsen's
// control node does.
//
// Claim holds a block of hosts, 127.0.R.2…, for its owner's life (a
// listener on each address's ClaimPort), so that concurrent runs never
// share an address: database clusters (package db) and local clusters of
// clockwise's own nodes (harness/live under --net filter) take theirs so.
//
// # Rules of one's own
//
// Each Filter owns one nftables table, inet clockwise_<pid>_<start>_<n>:
// the process id and start time of its owner and a sequence number.
// Deleting the table removes exactly its rules and no one else's. Close
// deletes it; Sweep deletes the tables of owners that are no longer running,
// left by a run that was killed before it could close them.
//
// # Privileges
//
// Packet filter rules need root (CAP_NET_ADMIN), the nft command (Debian's
// nftables package) and a kernel with nf_tables and connection tracking.
// Without any of these, New returns an *UnavailableError saying which, so a
// caller records the fault as skipped with that reason.
package netfault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/clockwise-kv/clockwise/internal/owner"
)

// UnavailableError says why packet filter rules cannot be used here.
type UnavailableError struct {
	Reason string
}

func (e *UnavailableError) Error() string {
	return "netfault: packet filter unavailable: " + e.Reason
}

// Timeout bounds each nft command.
const Timeout = 10 * time.Second

// prefix begins the name of every table this package creates.
const prefix = "clockwise_"

var seq atomic.Uint64

// A Filter owns one table of packet filter rules over a fixed set of hosts.
// Its methods are safe for concurrent use.
type Filter struct {
	table string
	hosts []netip.Addr

	mu     sync.Mutex
	closed bool
}

// Available reports why packet filter rules cannot be used here, or nil when
// they can be tried: it checks for root and the nft command.
func Available() error {
	if os.Geteuid() != 0 {
		return &UnavailableError{Reason: "packet filter rules need root (CAP_NET_ADMIN); running as uid " + strconv.Itoa(os.Geteuid())}
	}
	if _, err := exec.LookPath("nft"); err != nil {
		return &UnavailableError{Reason: "the nft command is missing: install Debian's nftables package (make dbs)"}
	}
	return nil
}

// New creates a table for the given hosts, each a loopback address other
// than 127.0.0.1, and starts marking the connections they open. Without root
// or nft it returns an *UnavailableError.
func New(hosts []netip.Addr) (*Filter, error) {
	if len(hosts) == 0 {
		return nil, errors.New("netfault: no hosts")
	}
	seen := map[netip.Addr]bool{}
	for _, h := range hosts {
		if err := checkHost(h); err != nil {
			return nil, err
		}
		if seen[h] {
			return nil, fmt.Errorf("netfault: host %s named twice", h)
		}
		seen[h] = true
	}
	if err := Available(); err != nil {
		return nil, err
	}
	self, err := owner.Self()
	if err != nil {
		return nil, fmt.Errorf("netfault: %w", err)
	}
	f := &Filter{
		table: fmt.Sprintf("%s%s_%d", prefix, self, seq.Add(1)),
		hosts: slices.Clone(hosts),
	}
	var b strings.Builder
	fmt.Fprintf(&b, "table inet %s {\n", f.table)
	fmt.Fprintf(&b, "\tcomment \"clockwise packet filter of pid %d\"\n", os.Getpid())
	// Connection tracking runs at priority -200: both chains see its entry.
	b.WriteString("\tchain origin {\n\t\ttype filter hook output priority filter; policy accept;\n")
	for _, h := range f.hosts {
		m := Mark(h)
		fmt.Fprintf(&b, "\t\tct state new meta skgid %d ct mark set %d\n", GID(h), m)
		fmt.Fprintf(&b, "\t\tct state new ip saddr %s ct mark set %d\n", h, m)
	}
	b.WriteString("\t}\n")
	b.WriteString("\tchain cut {\n\t\ttype filter hook output priority filter + 10; policy accept;\n\t}\n}\n")
	// Creating the table is the real test: no CAP_NET_ADMIN (a container's
	// root), no nf_tables or conntrack in the kernel.
	if err := nft(b.String()); err != nil {
		return nil, &UnavailableError{Reason: "nft could not create a table: " + strings.TrimPrefix(err.Error(), "netfault: ")}
	}
	return f, nil
}

// Table is the name of the filter's nftables table (family inet).
func (f *Filter) Table() string { return f.table }

// Partition cuts every link between hosts in different groups, both ways,
// replacing any earlier partition; links within a group, and those of hosts
// in no group, stay up. Every address must be one of the filter's hosts, in
// at most one group.
func (f *Filter) Partition(groups [][]netip.Addr) error {
	group := map[netip.Addr]int{}
	for i, g := range groups {
		for _, a := range g {
			if !slices.Contains(f.hosts, a) {
				return fmt.Errorf("netfault: partition: %s is not a host of this filter", a)
			}
			if _, ok := group[a]; ok {
				return fmt.Errorf("netfault: partition: %s is in two groups", a)
			}
			group[a] = i
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "flush chain inet %s cut\n", f.table)
	for _, from := range f.hosts {
		for _, to := range f.hosts {
			gf, okf := group[from]
			gt, okt := group[to]
			if okf && okt && gf != gt {
				// The connection from opened to to: its packets both ways.
				fmt.Fprintf(&b, "add rule inet %s cut ct mark %d ct original ip daddr %s drop\n", f.table, Mark(from), to)
			}
		}
	}
	return f.apply(b.String())
}

// Heal restores every link.
func (f *Filter) Heal() error {
	return f.apply(fmt.Sprintf("flush chain inet %s cut\n", f.table))
}

// apply runs script in one transaction, unless the filter is closed.
func (f *Filter) apply(script string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errors.New("netfault: filter closed")
	}
	return nft(script)
}

// Close deletes the filter's table and every rule in it. Closing twice does
// nothing.
func (f *Filter) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	return nft(fmt.Sprintf("delete table inet %s\n", f.table))
}

// GID is the group id that marks a process as host addr's: the address as a
// 32-bit number (127.0.0.2 is 2130706434).
func GID(addr netip.Addr) uint32 { return Mark(addr) }

// Mark is the connection mark of connections host addr opens: its address
// as a 32-bit number.
func Mark(addr netip.Addr) uint32 {
	b := addr.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// Credential runs a process as root in host addr's group, so that its
// connections carry the host's mark. Starting a process with it needs root.
func Credential(addr netip.Addr) *syscall.Credential {
	return &syscall.Credential{Uid: 0, Gid: GID(addr), NoSetGroups: true}
}

func checkHost(h netip.Addr) error {
	if !h.Is4() || !h.IsLoopback() {
		return fmt.Errorf("netfault: host %s is not an IPv4 loopback address", h)
	}
	if h == netip.AddrFrom4([4]byte{127, 0, 0, 1}) {
		return errors.New("netfault: host 127.0.0.1 is every unbound socket's source; use 127.0.0.2 and above")
	}
	return nil
}

var tableRE = regexp.MustCompile(`(?m)^table inet (` + prefix + `(\d+)_(\d+)_\d+)\s*$`)

// Tables lists the names of every table this package created that exists
// now, whoever owns it.
func Tables() ([]string, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	out, err := nftOut("list", "tables")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range tableRE.FindAllStringSubmatch(out, -1) {
		names = append(names, m[1])
	}
	return names, nil
}

// Sweep deletes the tables whose owner is no longer running (a run killed
// before it closed its filter) and returns their names. Tables of running
// owners are left alone. Without root or nft it returns an
// *UnavailableError.
func Sweep() ([]string, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	out, err := nftOut("list", "tables")
	if err != nil {
		return nil, err
	}
	var swept []string
	var errs []error
	for _, m := range tableRE.FindAllStringSubmatch(out, -1) {
		if owner.Alive(m[2] + "_" + m[3]) {
			continue // its owner still runs
		}
		if err := nft(fmt.Sprintf("delete table inet %s\n", m[1])); err != nil {
			errs = append(errs, err)
			continue
		}
		swept = append(swept, m[1])
	}
	return swept, errors.Join(errs...)
}

// nft runs an nft script in one transaction.
func nft(script string) error {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("netfault: nft: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func nftOut(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nft", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("netfault: nft %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}
