package harness

import (
	"fmt"
	"strconv"
	"strings"
)

// String writes the mix as ParseMix reads it: "read=3,rw=4,blind=2,delete=0",
// and ",rw-other=1" when that weight is positive.
func (m Mix) String() string {
	s := fmt.Sprintf("read=%d,rw=%d,blind=%d,delete=%d", m.Read, m.ReadWrite, m.Blind, m.Delete)
	if m.ReadElsewhere > 0 {
		s += fmt.Sprintf(",rw-other=%d", m.ReadElsewhere)
	}
	return s
}

// ParseMix reads operation weights such as "read=3,rw=4,blind=2,delete=1":
// read, rw (a read, then a write with what it read), blind (a write without
// context), delete (a read, then a delete) and rw-other (a read, then a
// write with what it read through another node). A weight left out is 0; at
// least one must be positive.
func ParseMix(s string) (Mix, error) {
	var m Mix
	for _, part := range strings.Split(s, ",") {
		name, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			return m, fmt.Errorf("harness: mix %q: want name=weight with a weight ≥ 0", part)
		}
		switch name {
		case "read":
			m.Read = n
		case "rw":
			m.ReadWrite = n
		case "blind":
			m.Blind = n
		case "delete":
			m.Delete = n
		case "rw-other":
			m.ReadElsewhere = n
		default:
			return m, fmt.Errorf("harness: mix %q: unknown operation %q (read, rw, blind, delete, rw-other)", part, name)
		}
	}
	if m.total() == 0 {
		return m, fmt.Errorf("harness: mix %q: every weight is 0", s)
	}
	return m, nil
}
