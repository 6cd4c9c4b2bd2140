package experiment

import (
	"fmt"
	"maps"
	"strings"

	"github.com/clockwise-kv/clockwise/checker"
)

// FindingSkew is the finding of the writes lost to clock skew
// (checker.Lost.Skew), the headline's first: a shrink keeps it by default
// when the run has any.
const FindingSkew = "skew"

// FindingKinds are the kinds of finding a check counts (Findings), in the
// order a shrink picks the first one a run has and a sweep groups its
// failing seeds: lost to clock skew, the kinds of lost write, then
// otherFindings.
var FindingKinds = func() []string {
	out := []string{FindingSkew}
	for _, k := range checker.LostKinds {
		out = append(out, string(k))
	}
	for _, f := range otherFindings {
		out = append(out, f.name)
	}
	return out
}()

// otherFindings are the findings other than lost writes, each with its
// count in a summary.
var otherFindings = []struct {
	name  string
	count func(s *checker.Summary) int
}{
	{"phantom", func(s *checker.Summary) int { return s.Phantoms }},
	{"corrupted", func(s *checker.Summary) int { return s.Corrupted }},
	{"future-read", func(s *checker.Summary) int { return s.FutureReads }},
	{"divergent", func(s *checker.Summary) int { return s.Divergent }},
	{"stale", func(s *checker.Summary) int { return s.Stale }},
	{"unpreserved", func(s *checker.Summary) int { return s.Unpreserved }},
	{"external", func(s *checker.Summary) int { return s.External }},
	{"non-linearizable", func(s *checker.Summary) int { return s.NonLinearizable }},
}

// Findings counts each kind of finding of a summary, leaving out the kinds
// it has none of.
func Findings(s checker.Summary) map[string]int {
	out := map[string]int{FindingSkew: s.SkewLost}
	for k, n := range s.LostByKind {
		out[string(k)] = n
	}
	for _, f := range otherFindings {
		out[f.name] = f.count(&s)
	}
	maps.DeleteFunc(out, func(_ string, n int) bool { return n == 0 })
	return out
}

// FindingWords writes a run's findings in words, in the order of
// FindingKinds: "57 skew, 431 concurrent-dropped", or "none".
func FindingWords(found map[string]int) string {
	var parts []string
	for _, k := range FindingKinds {
		if n := found[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
