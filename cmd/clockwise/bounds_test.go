package main

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMistypedFlagGetsASuggestion(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--stratgy", "lww"}, "did you mean --strategy?"},
		{[]string{"check", "-strategy", "lww"}, "did you mean --strategy?"},
		{[]string{"check", "--nods", "3"}, "did you mean --nodes?"},
		{[]string{"check", "--Seed", "3"}, "did you mean --seed?"},
		{[]string{"sweep", "--seeeds", "1-3"}, "did you mean --seeds?"},
		{[]string{"analyze", "--ful", "x"}, "did you mean --full?"},
	} {
		code, _, stderr := invoke(tc.args...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Contains(t, stderr, tc.want, "%v", tc.args)
		assert.Contains(t, stderr, "usage: ", "%v", tc.args)
	}
	code, _, stderr := invoke("check", "--zzzzzz")
	assert.Equal(t, exitUsage, code)
	assert.NotContains(t, stderr, "did you mean", "nothing close: no suggestion")
}

func TestNamesAreReadWhateverTheirCase(t *testing.T) {
	code, stdout, stderr := invoke("check", "--out", t.TempDir(), "--strategy", "LWW", "--nemesis", "Skew,PARTITION", "--ops", "50")
	require.Contains(t, []int{exitValid, exitInvalid}, code, stderr)
	assert.Contains(t, stdout, "strategy lww, nemesis skew,partition")
	assert.Contains(t, stdout, "replay: clockwise check --strategy lww --seed 1 --nemesis skew,partition --ops 50")
	code, _, stderr = invoke("demo", "--strategy", "VV", "--scenario", "skew")
	assert.Equal(t, exitValid, code, stderr)
}

func TestSizeFlagsAreBounded(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--nodes", "100000"}, "invalid --nodes: 100000: must be at most 64"},
		{[]string{"check", "--nodes", "65"}, "invalid --nodes: 65: must be at most 64"},
		{[]string{"check", "--clients", "1000000"}, "invalid --clients"},
		{[]string{"check", "--keys", "100000000"}, "invalid --keys"},
		{[]string{"check", "--ops", "1000000000"}, "invalid --ops"},
		{[]string{"check", "--prune", "1000"}, "invalid --prune"},
		{[]string{"check", "--replicas", "1000"}, "invalid --replicas"},
		{[]string{"check", "--w", "1000"}, "invalid --w"},
		{[]string{"check", "--interval", "1ns", "--ops", "2000000", "--think", "10s", "--clients", "1"}, "invalid --interval"},
		{[]string{"sweep", "--seeds", "1-18446744073709551614"}, "invalid --seeds"},
		{[]string{"sweep", "--parallel", "100000"}, "invalid --parallel"},
		{[]string{"matrix", "--seeds", "100000000"}, "invalid --seeds"},
		{[]string{"metadata", "--nodes", "3,1000"}, "invalid --nodes"},
	} {
		code, _, stderr := invoke(tc.args...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Contains(t, stderr, tc.want, "%v", tc.args)
	}
}

func TestOneNodePartitionIsWarnedOf(t *testing.T) {
	code, _, stderr := invoke("check", "--out", t.TempDir(), "--nodes", "1", "--ops", "20")
	require.Contains(t, []int{exitValid, exitInvalid}, code, stderr)
	assert.Contains(t, stderr, "warning: the partition fault needs two nodes and --nodes is 1")
	_, _, stderr = invoke("check", "--out", t.TempDir(), "--nodes", "1", "--ops", "20", "--nemesis", "skew")
	assert.NotContains(t, stderr, "warning")
}

// An interrupted check that is still judging after judgeGrace says where
// the history is and exits 3; one that finishes in time is left alone.
func TestInterruptedJudgingIsBounded(t *testing.T) {
	var code int
	exit = func(c int) { code = c }
	t.Cleanup(func() { exit = os.Exit })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var w bytes.Buffer
	stopAfter(ctx, judgeGrace, make(chan struct{}), &w, func() string { return "runs/lww-x" })
	assert.Equal(t, exitUnknown, code)
	assert.Contains(t, w.String(), "runs/lww-x/history.jsonl; judge it with: clockwise analyze runs/lww-x")

	code = -1
	w.Reset()
	finished := make(chan struct{})
	close(finished)
	stopAfter(ctx, judgeGrace, finished, &w, func() string { return "" })
	assert.Equal(t, -1, code, "finished: no exit")
	assert.Empty(t, w.String())
}
