package store

import (
	"fmt"
	"testing"
)

// benchSizes are the vector sizes of the metadata measurements: a small
// cluster, a mid-sized one and a large one.
var benchSizes = []int{3, 10, 50}

// benchVVs returns two concurrent vectors of n entries: every counter of
// the second is one higher except the last entry (in actor order), which is
// one lower, so telling them concurrent takes a full scan.
func benchVVs(n int) (VV, VV) {
	var a, b VV
	for i := range n {
		node := fmt.Sprintf("n%d", i+1)
		a = a.Set(node, 100)
		b = b.Set(node, 101)
	}
	return a, b.Set(b[n-1].Node, 99)
}

func BenchmarkVVCompare(b *testing.B) {
	for _, n := range benchSizes {
		x, y := benchVVs(n)
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			for b.Loop() {
				if x.Compare(y) != Concurrent {
					b.Fatal("want concurrent")
				}
			}
		})
	}
}

func BenchmarkVVMerge(b *testing.B) {
	for _, n := range benchSizes {
		x, y := benchVVs(n)
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(x.Merge(y)) != n {
					b.Fatal("bad merge")
				}
			}
		})
	}
}

// BenchmarkVVEncode is the compact binary encoding whose length is the
// metadata's size (MetaBytes), into a reused buffer.
func BenchmarkVVEncode(b *testing.B) {
	for _, n := range benchSizes {
		x, _ := benchVVs(n)
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			buf := make([]byte, 0, 1024)
			enc, _ := x.AppendBinary(buf)
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = x.AppendBinary(buf[:0])
			}
		})
	}
}

// BenchmarkDVVSync merges two replicas of a key whose contexts have n
// entries, each holding one concurrent sibling.
func BenchmarkDVVSync(b *testing.B) {
	for _, n := range benchSizes {
		x, y := benchVVs(n)
		s := DVVSet{Clock: x, Siblings: []Sibling{dotted("w1", "n2", x.Get("n2"))}}
		t := DVVSet{Clock: y, Siblings: []Sibling{dotted("w2", "n1", y.Get("n1"))}}
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Sync(t)
			}
		})
	}
}
