package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/histories"
)

// CompareNames orders names with numeric suffixes naturally, c2 before c10,
// as every report lists nodes, processes and write ids.
func CompareNames(a, b string) int {
	pa, na := splitNum(a)
	pb, nb := splitNum(b)
	if c := cmp.Compare(pa, pb); c != 0 {
		return c
	}
	if c := cmp.Compare(na, nb); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

func splitNum(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil || i == len(s) {
		return s, -1
	}
	return s[:i], n
}

// Params writes a fault's parameters in key order: "key k1", "n1 +5s, n2
// +0s".
func Params(p map[string]string) string {
	parts := make([]string, 0, len(p))
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, k+" "+p[k])
	}
	return strings.Join(parts, ", ")
}

// Versions lists versions, a live one as "w1=a", a tombstone as its id
// followed by deleted.
func Versions(vs []histories.Version, deleted string) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		if v.Deleted {
			parts[i] = v.Write + deleted
		} else {
			parts[i] = v.Write + "=" + v.Value
		}
	}
	return strings.Join(parts, " ")
}

// VV writes a version vector, its nodes in order: "{n1:2 n3:1}".
func VV(vv map[string]uint64) string {
	parts := make([]string, 0, len(vv))
	for _, n := range slices.SortedFunc(maps.Keys(vv), CompareNames) {
		parts = append(parts, fmt.Sprintf("%s:%d", n, vv[n]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// FaultsStarted counts the faults a history's nemesis started: its
// events but the heals, resets and restarts that end them (and the
// harness's notes; histories.Func.Starts).
func FaultsStarted(faults []checker.Fault) int {
	n := 0
	for _, f := range faults {
		if f.F.Starts() {
			n++
		}
	}
	return n
}
