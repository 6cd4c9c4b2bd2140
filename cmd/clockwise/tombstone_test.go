package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runTomb(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDemoTombstoneLWW(t *testing.T) {
	code, out, errOut := runTomb("demo", "--scenario", "tombstone", "--strategy", "lww")
	require.Equal(t, 0, code, errOut)
	for _, want := range []string{
		"scenario tombstone · strategy lww",
		"nemesis tombstone key x, node n1, offset +1h0m0s, write d3",
		"nemesis delete x (d3) via n1, read [w2]",
		"(n1's clock +1h0m0s)",
		"write x=c (w4) via n2, blind           ok ts",
		"← acknowledged, then LOST to clock skew (stamped below d3; suppressed-by-tombstone)",
		"x → not found [d3=(deleted)] on n1 n2 n3",
		"stays dead until at least 1h0m0.108s",
	} {
		assert.Contains(t, out, want)
	}
	assert.Equal(t, 2, strings.Count(out, "LOST to clock skew (stamped below d3; suppressed-by-tombstone)"), "w4 and w5")
	assert.NotContains(t, out, "side by side", "one strategy, no table")
}

func TestDemoTombstoneVV(t *testing.T) {
	code, out, errOut := runTomb("demo", "--scenario", "tombstone", "--strategy", "vv")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "ok [d3=(deleted) w4=c]", "the blind write is a sibling of the tombstone")
	assert.Contains(t, out, "x → [w5=d] on n1 n2 n3", "the write that read the tombstone replaces it")
	assert.Contains(t, out, "VALID: 5 acknowledged writes, none lost")
	assert.Contains(t, out, "w1 → w5  happens-before: c2 read d3, which follows w1, then wrote w5")
	assert.NotContains(t, out, "LOST")
}

// make demo runs `clockwise demo`: both scenarios, both strategies, each
// scenario ending with the side-by-side table.
func TestDemoDefaultPlaysTombstoneSideBySide(t *testing.T) {
	code, out, errOut := runTomb("demo")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "scenario skew · side by side")
	i := strings.Index(out, "scenario tombstone · side by side")
	require.GreaterOrEqual(t, i, 0, out)
	table := out[i:]
	for _, want := range []string{
		"w1   c1 write x=a via n2, blind",
		"d3   nemesis delete x via n1 (clock +1h0m0s), after a read",
		"final read of x",
	} {
		assert.Contains(t, table, want)
	}
	for _, row := range strings.Split(table, "\n") {
		switch {
		case strings.HasPrefix(row, "  w4 "):
			assert.Regexp(t, `LOST to clock skew \(suppressed-by-tombstone\)\s+overwritten by w5$`, row)
		case strings.HasPrefix(row, "  w1 "):
			assert.Regexp(t, `deleted by d3\s+overwritten by w5$`, row)
		case strings.HasPrefix(row, "  final read of x"):
			assert.Regexp(t, `not found \[d3=\(deleted\)\]\s+\[w5=d\]$`, row)
		}
	}
}

func TestCheckTombstoneNemesis(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runTomb("check", "--strategy", "lww", "--nemesis", "tombstone", "--ops", "200", "--interval", "100ms", "--out", dir)
	assert.Equal(t, 1, code, errOut)
	assert.Contains(t, out, "nemesis tombstone")
	assert.Contains(t, out, "suppressed-by-tombstone")

	code, out, errOut = runTomb("check", "--strategy", "vv", "--nemesis", "tombstone", "--ops", "200", "--interval", "100ms", "--out", dir)
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "VALID")
}

func TestCheckTombstoneOffsetFlag(t *testing.T) {
	code, _, errOut := runTomb("check", "--nemesis", "tombstone", "--tombstone-offset", "-1s", "--out", t.TempDir())
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--tombstone-offset")
	assert.Contains(t, errOut, "usage:")
}
