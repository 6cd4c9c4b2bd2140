package netfault

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
)

// ClaimPort is the port on each host's address that a Block listens on for
// its life, so that no other Block takes the address.
const ClaimPort = 40379

// A Block is a set of loopback hosts 127.0.R.2, 127.0.R.3… held by one
// owner: a listener on each address's ClaimPort keeps every other Claim,
// of this process or another, off them until Release. Needs no root: every
// 127.0.0.0/8 address is the machine's on Linux.
type Block struct {
	hosts  []netip.Addr
	claims []net.Listener
}

// Claim picks a block of n hosts 127.0.R.2… for a random R whose addresses
// nobody holds and on which every one of ports is free, and holds it.
func Claim(n int, ports []int) (*Block, error) {
	if n <= 0 || n > 250 {
		return nil, fmt.Errorf("netfault: claim %d hosts: want 1 to 250", n)
	}
	var last error
	for range 64 {
		r := 1 + rand.IntN(254)
		b := &Block{}
		ok := true
		for i := range n {
			a := netip.AddrFrom4([4]byte{127, 0, byte(r), byte(2 + i)})
			ln, err := net.Listen("tcp", netip.AddrPortFrom(a, ClaimPort).String())
			if err != nil {
				last, ok = err, false
				break
			}
			b.claims = append(b.claims, ln)
			if err := free(a, ports); err != nil {
				last, ok = err, false
				break
			}
			b.hosts = append(b.hosts, a)
		}
		if ok {
			return b, nil
		}
		b.Release()
	}
	return nil, fmt.Errorf("netfault: no free block of %d loopback addresses in 64 tries: %w", n, last)
}

// free reports an error when one of the ports is taken on a.
func free(a netip.Addr, ports []int) error {
	for _, p := range ports {
		ln, err := net.Listen("tcp", netip.AddrPortFrom(a, uint16(p)).String())
		if err != nil {
			return err
		}
		ln.Close()
	}
	return nil
}

// Hosts are the block's addresses, 127.0.R.2 first.
func (b *Block) Hosts() []netip.Addr { return append([]netip.Addr(nil), b.hosts...) }

// Release lets the addresses go. Releasing twice does nothing.
func (b *Block) Release() {
	for _, ln := range b.claims {
		ln.Close()
	}
	b.claims = nil
}
