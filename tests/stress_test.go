//go:build stress

package tests

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestStressRealKill runs the flagship real check, `clockwise check
// --cluster local --nemesis skew,partition,kill --w 2 --ops 3000`, for 50
// seeds each of vv and dvv, one after the other: every one must be VALID.
// It takes about half an hour on two cores, so it is behind the stress
// build tag and not in CI:
//
//	go test -tags stress -run Stress -timeout 90m ./tests
func TestStressRealKill(t *testing.T) {
	const seeds = 50
	for _, strategy := range []string{"vv", "dvv"} {
		t.Run(strategy, func(t *testing.T) {
			out := t.TempDir()
			var failed []string
			for seed := 1; seed <= seeds; seed++ {
				start := time.Now()
				code, stdout, stderr := clockwise(t, "check", "--cluster", "local", "--strategy", strategy,
					"--nemesis", "skew,partition,kill", "--w", "2", "--ops", "3000",
					"--seed", fmt.Sprint(seed), "--out", out)
				verdict := lastVerdict(stdout)
				t.Logf("%s seed %d: exit %d, %s (%v)", strategy, seed, code, verdict, time.Since(start).Round(time.Second))
				if code != 0 {
					failed = append(failed, fmt.Sprintf("seed %d: exit %d: %s%s", seed, code, verdict, stderr))
				}
			}
			if len(failed) > 0 {
				t.Errorf("%d of %d seeds of %s not VALID (run folders in %s):\n%s", len(failed), seeds, strategy, out, strings.Join(failed, "\n"))
			}
		})
	}
}

// lastVerdict is the line of a check's output that gives its verdict.
func lastVerdict(out string) string {
	lines := strings.Split(out, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		for _, v := range []string{"VALID", "INVALID", "UNKNOWN"} {
			if strings.HasPrefix(lines[i], v) {
				return lines[i]
			}
		}
	}
	return "no verdict"
}
