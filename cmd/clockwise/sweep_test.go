package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/experiment/sweep"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

// TestSweepReplaysEachFailingSeed: a sweep exits 1 when a seed fails, and
// the replay command it prints for a seed, run as it stands, finds the
// same writes lost.
func TestSweepReplaysEachFailingSeed(t *testing.T) {
	out := t.TempDir()
	dir := filepath.Join(out, "sw")
	code, stdout, stderr := invoke("sweep", "--strategy", "lww", "--seeds", "1-6", "--ops", "200", "--vary",
		"--nemesis", "skew,partition,tombstone", "--dir", dir, "--json", "--parallel", "2")
	require.Equal(t, exitInvalid, code, stderr)
	var s sweep.Summary
	require.NoError(t, json.Unmarshal([]byte(stdout), &s))
	require.NotEmpty(t, s.Failing)
	for _, f := range s.Failing[:2] {
		args, err := experiment.SplitShell(f.Command)
		require.NoError(t, err)
		require.Equal(t, "clockwise", args[0], f.Command)
		code, _, stderr := invoke(append(args[1:], "--out", out)...)
		require.Equal(t, exitInvalid, code, stderr)
		info, err := runs.ReadInfo(filepath.Join(out, runs.Latest))
		require.NoError(t, err)
		assert.Equal(t, f.Lost, info.Summary.Lost, "seed %d replays: %s", f.Seed, f.Command)
	}

	code, stdout, stderr = invoke("sweep", "merge", dir, "--dir", filepath.Join(out, "merged"))
	assert.Equal(t, exitInvalid, code, stderr)
	assert.Contains(t, stdout, "| 6 | ")
	assert.Contains(t, stdout, "\n    clockwise check --strategy lww --seed ", "replays, grouped by finding")
	assert.Regexp(t, `\nINVALID: \d+ of 6 seeds failed \([^)]*\)\n$`, stdout, "the verdict is the last line")
	merged, err := sweep.Read(filepath.Join(out, "merged"))
	require.NoError(t, err)
	assert.Equal(t, s.Invalid, merged.Invalid)
}

func TestSweepValidExits0(t *testing.T) {
	code, stdout, stderr := invoke("sweep", "--strategy", "dvv", "--seeds", "3", "--ops", "200", "--out", t.TempDir())
	require.Equal(t, exitValid, code, stderr)
	assert.Contains(t, stdout, "| 3 | 3 | 0 | 0 |")
	assert.Contains(t, stdout, "wall time")
	assert.True(t, strings.HasSuffix(stdout, "\nVALID: 3 of 3 seeds valid\n"), "the verdict is the last line:\n%s", stdout)
	assert.NotContains(t, stdout, "inverted", "no unexplained column")
}

func TestSweepBadFlags(t *testing.T) {
	for _, tc := range [][]string{
		{"--seeds", "9-1"}, {"--seeds", "x"}, {"--shard", "3/3"}, {"--shard", "1"}, {"--parallel", "-1"}, {"--mix", "rw-other=-1"},
	} {
		code, _, stderr := invoke(append([]string{"sweep", "--out", t.TempDir()}, tc...)...)
		assert.Equal(t, exitUsage, code, tc)
		assert.Contains(t, stderr, tc[0], tc)
	}
	code, _, stderr := invoke("sweep", "merge", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "sweep.json")
}

// TestShrinkCommand: shrink reads a failing run folder, prints the shrunk
// run's story and writes its folder; check --shrink does both at once.
func TestShrinkCommand(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := invoke("check", "--strategy", "lww", "--seed", "2", "--out", out)
	require.Equal(t, exitInvalid, code, stderr)
	code, stdout, stderr := invoke("shrink", filepath.Join(out, runs.Latest), "--out", out, "--finding", "overwritten-by-older")
	require.Equal(t, exitInvalid, code, stderr)
	assert.Contains(t, stdout, "━━ scenario shrunk · strategy lww")
	assert.Contains(t, stdout, "LOST to clock skew (stamped below")
	assert.Contains(t, stdout, "final reads")
	assert.Contains(t, stdout, "causality, from what the clients read")
	assert.Contains(t, stdout, "verdict: INVALID")
	info, err := runs.ReadInfo(filepath.Join(out, runs.Latest))
	require.NoError(t, err)
	assert.Contains(t, info.Command, "clockwise shrink ")
	assert.False(t, info.Valid)

	code, stdout, stderr = invoke("check", "--strategy", "lww", "--seed", "1", "--ops", "300", "--out", out, "--shrink")
	require.Equal(t, exitInvalid, code, stderr)
	assert.Contains(t, stdout, "━━ scenario shrunk")
	assert.Contains(t, stdout, "keeping skew:", "check --shrink keeps the headline, the losses to clock skew")
	assert.Regexp(t, `nemesis (skew|strobe) n\d`, stdout, "with a clock fault")
	assert.Contains(t, stdout, "LOST to clock skew (stamped below")

	code, _, stderr = invoke("shrink", filepath.Join(out, runs.Latest), "--finding", "nonsense", "--out", out)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--finding")
	code, _, stderr = invoke("shrink", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "run.json")
}
