package explain

import (
	"fmt"
	"strings"

	"github.com/clockwise-kv/clockwise/checker/results"
)

// Total says how many writes were lost of how many that happened: "3 of
// 451 acknowledged writes lost", or, when reads returned writes whose
// outcome was unknown, "3 of 453 writes (451 acknowledged, 2 indeterminate
// but read) lost".
func Total(s *results.Summary) string {
	if s.SeenIndeterminate > 0 {
		return fmt.Sprintf("%d of %d writes (%d acknowledged, %d indeterminate but read) lost", s.Lost,
			s.Acknowledged+s.SeenIndeterminate, s.Acknowledged, s.SeenIndeterminate)
	}
	return fmt.Sprintf("%d of %d acknowledged %s lost", s.Lost, s.Acknowledged, plural(s.Acknowledged, "write", "writes"))
}

// Losses says how the lost writes divide, the brief's signature first:
// "57 acknowledged writes lost to clock skew; 374 more dropped as
// concurrent writes (2 racing, 372 overwritten by later writes that never
// read them)", then a clause for each other part that has any, so that
// the clauses add up to Summary.Lost; checker.Check counts each lost write
// in one clause.
func Losses(s *results.Summary) string {
	if n := s.Rest[results.Absent]; n > 0 && n == s.Lost {
		// The set workload's losses are all of one kind: say them as a
		// fraction of the writes counted, as Total does.
		return fmt.Sprintf("%s (%s): absent from every final read of %s", Total(s), percent(n, s.Acknowledged+s.SeenIndeterminate),
			plural(n, "its set", "their sets"))
	}
	var b strings.Builder
	some := s.SkewLost > 0
	more := func() string {
		if some {
			return " more"
		}
		return ""
	}
	fmt.Fprintf(&b, "%d acknowledged %s lost to clock skew", s.SkewLost, plural(s.SkewLost, "write", "writes"))
	dropped := s.Racing + s.Overwritten
	fmt.Fprintf(&b, "; %d%s dropped as %s", dropped, more(), plural(dropped, "a concurrent write", "concurrent writes"))
	if dropped > 0 {
		fmt.Fprintf(&b, " (%d racing, %d overwritten by %s)", s.Racing, s.Overwritten,
			plural(s.Overwritten, "a later write that never read it", "later writes that never read them"))
	}
	some = some || dropped > 0
	clause := func(n int, one, many string) {
		if n > 0 {
			fmt.Fprintf(&b, "; %d%s %s", n, more(), plural(n, one, many))
			some = true
		}
	}
	clause(s.Misordered, "stamped below an earlier write by a logical clock (not clock skew)",
		"stamped below earlier writes by a logical clock (not clock skew)")
	clause(s.Rest[results.SuppressedByTombstone], "suppressed by a tombstone", "suppressed by tombstones")
	clause(s.Rest[results.OverwrittenByOlder], "overwritten by an older write it follows", "overwritten by older writes they follow")
	clause(s.Rest[results.ConcurrentDropped], "dropped for a concurrent write acknowledged before it began",
		"dropped for concurrent writes acknowledged before they began")
	clause(s.Rest[results.Missing], "missing: no version of its key survives", "missing: no version of their keys survives")
	clause(s.Rest[results.Absent], "absent from every final read of its set", "absent from every final read of their sets")
	return b.String()
}

// percent is n of total as a rounded percentage: "52%".
func percent(n, total int) string {
	if total <= 0 {
		return "all"
	}
	return fmt.Sprintf("%d%%", (200*n+total)/(2*total))
}

// plural picks one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
