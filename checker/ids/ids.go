// Package ids numbers, finds and sorts what a history names, for the
// checker: its write ids (Index, Sort), the names it repeats on every
// operation (Names) and the ids a process's reads of a key returned
// (Reads). The ids clients make, w1, w2…, are numbers, which a slice
// indexes and a sort of integers orders for less than hashing or comparing
// them as strings; any other id is kept as a string.
package ids

import (
	"slices"
	"unsafe"

	"github.com/clockwise-kv/clockwise/histories"
)

// Number returns id's number when id is a w and a decimal of at most
// nine digits with no leading zero, and -1 when it is not.
func Number(id string) int {
	if len(id) < 2 || len(id) > 10 || id[0] != 'w' || id[1] == '0' {
		return -1
	}
	n := 0
	for i := 1; i < len(id); i++ {
		d := id[i] - '0'
		if d > 9 {
			return -1
		}
		n = n*10 + int(d)
	}
	return n
}

// An Index finds a value by a write id: numbered ids below the size it
// was made for in a slice, any other in a map.
type Index[T comparable] struct {
	num   []T
	other map[string]T
}

// NewIndex returns an Index that keeps the ids numbered below n in a
// slice.
func NewIndex[T comparable](n int) Index[T] { return Index[T]{num: make([]T, n)} }

// Get returns the value put under id, or the zero value.
func (x *Index[T]) Get(id string) T {
	if n := Number(id); n >= 0 && n < len(x.num) {
		return x.num[n]
	}
	return x.other[id]
}

// Put puts v under id.
func (x *Index[T]) Put(id string, v T) {
	if n := Number(id); n >= 0 && n < len(x.num) {
		x.num[n] = v
		return
	}
	if x.other == nil {
		x.other = map[string]T{}
	}
	x.other[id] = v
}

// Sort sorts ids in increasing order, as slices.Sort does.
//
// When every id is numbered, its string order is the order of its digits
// written from the left, a shorter id before the longer ones it begins:
// the order of its number scaled to nine digits, then of its length. Those
// and each id's place fit one integer, and integers sort faster.
func Sort(ids []string) {
	if len(ids) >= 1<<places {
		slices.Sort(ids)
		return
	}
	keys := make([]uint64, len(ids))
	for i, id := range ids {
		n := Number(id)
		if n < 0 {
			slices.Sort(ids)
			return
		}
		digits := len(id) - 1
		keys[i] = (uint64(n)*pow10[9-digits]<<4|uint64(digits))<<places | uint64(i)
	}
	slices.Sort(keys)
	was := slices.Clone(ids)
	for i, k := range keys {
		ids[i] = was[k&(1<<places-1)]
	}
}

// places is how many bits of a key Sort makes hold an id's place.
const places = 26

// pow10[i] is 10 to the i.
var pow10 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// Names numbers the few distinct strings a history repeats on every
// operation (keys, nodes, processes), in the order they first come: a
// handful of them are told apart by comparing, which costs less than
// hashing (the history's scanner interns them, so equal ones are mostly
// one string), and a map answers once there are more. The zero Names has
// none.
type Names struct {
	List []string // the names, by number
	ids  map[string]int
}

// fewNames is how many names are told apart by comparing.
const fewNames = 8

// ID returns s's number, giving it the next when s is new.
func (n *Names) ID(s string) int {
	if len(n.List) <= fewNames {
		for i, t := range n.List { // the same string, as interned ones are
			if len(t) == len(s) && unsafe.StringData(t) == unsafe.StringData(s) {
				return i
			}
		}
		for i, t := range n.List {
			if t == s {
				return i
			}
		}
	} else if i, ok := n.ids[s]; ok {
		return i
	}
	if n.ids == nil {
		n.ids = map[string]int{}
	}
	i := len(n.List)
	n.ids[s] = i
	n.List = append(n.List, s)
	return i
}

// Reads are the ok reads of one key by one process, to check the
// contexts of its writes against: a context names only ids they returned.
// It is nearly always what the latest returned, so the set of every id is
// made only when a context names another, and kept from then on. The
// zero Reads has none.
type Reads struct {
	got []*[]histories.Version // each read's versions, where the read keeps them
	ids map[string]bool        // every id they returned; nil until needed
}

// Add adds an ok read's versions.
func (r *Reads) Add(versions *[]histories.Version) {
	r.got = append(r.got, versions)
	if r.ids != nil {
		for _, v := range *versions {
			r.ids[v.Write] = true
		}
	}
}

// Returned reports whether one of the reads returned id; none did when r
// is nil.
func (r *Reads) Returned(id string) bool {
	if r == nil || len(r.got) == 0 {
		return false
	}
	if r.ids == nil {
		for _, v := range *r.got[len(r.got)-1] {
			if v.Write == id {
				return true
			}
		}
		r.ids = map[string]bool{}
		for _, vs := range r.got {
			for _, v := range *vs {
				r.ids[v.Write] = true
			}
		}
	}
	return r.ids[id]
}
