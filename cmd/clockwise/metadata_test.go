package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

func TestMetadataCommand(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"metadata", "--nodes", "3,6", "--strategy", "vv,vv-pruned,dvv", "--prune", "4",
		"--ops", "240", "--keys", "2", "--out", out}, &stdout, &stderr)
	require.Equal(t, exitValid, code, "stderr: %s", stderr.String())

	dir := kindFolder(t, out, runs.KindMetadata)

	var rep experiment.Metadata
	b, err := os.ReadFile(filepath.Join(dir, experiment.MetadataJSON))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	assert.Contains(t, rep.Command, "--strategy vv,vv-pruned,dvv")
	require.Len(t, rep.Rows, 6)
	entries := map[string]map[int]int{}
	for _, r := range rep.Rows {
		require.Len(t, r.Keys, 2, "%s at %d", r.Strategy, r.Nodes)
		if entries[r.Strategy] == nil {
			entries[r.Strategy] = map[int]int{}
		}
		for _, k := range r.Keys {
			entries[r.Strategy][r.Nodes] = max(entries[r.Strategy][r.Nodes], k.Entries)
			assert.Positive(t, k.BytesMean)
		}
		assert.FileExists(t, filepath.Join(dir, r.Run, runs.HistoryFile))
		assert.FileExists(t, filepath.Join(dir, r.Run, runs.ReportFile))
		if r.Strategy == "dvv" {
			assert.Zero(t, r.Summary.Lost+r.Summary.Stale, "dvv at %d nodes", r.Nodes)
		}
	}
	assert.Equal(t, map[int]int{3: 3, 6: 6}, entries["vv"], "vv: one entry per node")
	assert.Equal(t, map[int]int{3: 3, 6: 4}, entries["vv-pruned"], "vv-pruned: capped at --prune")
	assert.Equal(t, map[int]int{3: 3, 6: 3}, entries["dvv"], "dvv: within its 3 replicas")

	table, err := os.ReadFile(filepath.Join(dir, experiment.MetadataTable))
	require.NoError(t, err)
	assert.Contains(t, stdout.String(), string(table[:bytes.IndexByte(table, '\n')]))
	rows := 0
	for _, line := range strings.Split(string(table), "\n") {
		if f := strings.Fields(line); len(f) > 0 && (f[0] == "vv" || f[0] == "vv-pruned" || f[0] == "dvv") {
			rows++
			assert.Regexp(t, `(valid|INVALID)$`, line)
		}
	}
	assert.Equal(t, 6, rows, "one row per strategy and size:\n%s", table)

	f, err := os.Open(filepath.Join(dir, experiment.MetadataKeys))
	require.NoError(t, err)
	defer f.Close()
	lines, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	assert.Len(t, lines, 1+6*2, "a header and one line per strategy, size and key")

	img, err := os.Open(filepath.Join(dir, experiment.MetadataPlot))
	require.NoError(t, err)
	defer img.Close()
	cfg, err := png.DecodeConfig(img)
	require.NoError(t, err)
	assert.Greater(t, cfg.Width, 400)
}

func TestMetadataBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--nodes", "0"}, "--nodes"},
		{[]string{"--nodes", "three"}, "--nodes"},
		{[]string{"--strategy", "vv,nope"}, "--strategy"},
		{[]string{"--prune", "0"}, "--prune"},
		{[]string{"--replicas", "-2"}, "--replicas"},
		{[]string{"--skew", "n9=+1s", "--nodes", "3"}, "--skew"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"metadata", "--out", t.TempDir()}, c.args...), &stdout, &stderr)
		assert.Equal(t, exitUsage, code, "%v", c.args)
		assert.Contains(t, stderr.String(), c.flag, "%v", c.args)
		assert.Contains(t, stderr.String(), "usage: clockwise metadata", "%v", c.args)
	}
}
