package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/experiment"
	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/store"
)

// kindFiles are the files a folder of each kind holds besides run.json.
var kindFiles = map[string][]string{
	runs.KindMatrix:   {experiment.MatrixMarkdown, experiment.MatrixJSON},
	runs.KindMetadata: {experiment.MetadataTable, experiment.MetadataKeys, experiment.MetadataJSON, experiment.MetadataPlot},
}

// kindFolder is the one folder of kind (runs.KindMatrix, runs.KindMetadata)
// in the runs folder out, checked to be a complete one: its files and a
// run.json of its kind that names its command.
func kindFolder(t *testing.T, out, kind string) string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(out, kind+"-*"))
	require.NoError(t, err)
	require.Len(t, dirs, 1)
	info, err := runs.ReadInfo(dirs[0])
	require.NoError(t, err)
	assert.Equal(t, kind, info.Kind)
	assert.NotEmpty(t, info.Command)
	require.Contains(t, kindFiles, kind)
	for _, f := range kindFiles[kind] {
		assert.FileExists(t, filepath.Join(dirs[0], f))
	}
	return dirs[0]
}

func readMatrix(t *testing.T, dir string) *experiment.Matrix {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(kindFolder(t, dir, runs.KindMatrix), experiment.MatrixJSON))
	require.NoError(t, err)
	var m experiment.Matrix
	require.NoError(t, json.Unmarshal(b, &m))
	return &m
}

// Every run of the matrix is what the 'clockwise check' command it names
// produces, and every cell's row is in the table. (How a cell sums its
// runs is tested in package experiment.)
func TestMatrixMatchesIndividualRuns(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := invoke("matrix", "--out", dir, "--strategy", "lww,truetime,vv",
		"--nemesis", "none,skew,small-skew", "--seeds", "2", "--seed", "5", "--ops", "120", "--keys", "2", "--interval", "50ms")
	require.Equal(t, 0, code, stderr)
	md, err := os.ReadFile(filepath.Join(kindFolder(t, dir, runs.KindMatrix), experiment.MatrixMarkdown))
	require.NoError(t, err)
	rows := map[string]bool{} // the terminal's aligned rows, cells joined by " | "
	for _, l := range strings.Split(stdout, "\n") {
		rows[strings.Join(regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(l), -1), " | ")] = true
	}

	m := readMatrix(t, dir)
	assert.Equal(t, []string{"lww", "truetime", "vv"}, m.Strategies)
	assert.Equal(t, []uint64{5, 6}, m.Seeds)
	require.Len(t, m.Nemeses, 3)
	require.Len(t, m.Cells, 9)

	for i, cell := range m.Cells {
		col := m.Nemeses[i%3]
		require.Equal(t, m.Strategies[i/3], cell.Strategy)
		require.Equal(t, col.Name, cell.Nemesis)
		require.Len(t, cell.Runs, 2)
		acked := 0
		for j, r := range cell.Runs {
			require.Equal(t, m.Seeds[j], r.Seed)
			require.Equal(t, []string{"--strategy", cell.Strategy, "--seed", fmt.Sprint(r.Seed), "--nemesis", col.Nemesis}, r.Args[:6])
			if col.Name == "small-skew" {
				assert.Equal(t, []string{"--max-skew", m.Epsilon}, r.Args[len(r.Args)-2:])
			}
			out := t.TempDir()
			code, _, stderr := invoke(append([]string{"check", "--out", out}, r.Args...)...)
			require.Contains(t, []int{0, 1}, code, stderr)
			assert.Equal(t, r.Valid, code == 0, r.Command)

			b, err := os.ReadFile(filepath.Join(out, runs.Latest, runs.ResultsFile))
			require.NoError(t, err)
			var res checker.Result
			require.NoError(t, json.Unmarshal(b, &res))
			require.Equal(t, res.Summary, r.Summary, "run %s", r.Command)
			acked += res.Summary.Acknowledged
		}
		assert.Equal(t, acked, cell.Acknowledged, "cell %s × %s", cell.Strategy, cell.Nemesis)
		assert.Contains(t, string(md), "| "+strings.Join(cell.Figures(), " | ")+" |\n")
		assert.True(t, rows[strings.Join(cell.Figures(), " | ")], "the terminal's table has the row of %s × %s", cell.Strategy, cell.Nemesis)
	}
	// The headline grid.
	for i, s := range m.Strategies {
		line := "| " + s
		for j := range m.Nemeses {
			c := m.Cells[i*3+j]
			line += fmt.Sprintf(" | %d of %d (skew %d; racing %d, later %d", c.Lost, c.Acknowledged, c.SkewLost, c.Racing, c.Overwritten)
			if c.Misordered > 0 {
				line += fmt.Sprintf(", against real time %d", c.Misordered)
			}
			line += ")"
		}
		assert.Contains(t, string(md), line+" |\n")
		assert.True(t, rows[strings.TrimPrefix(line, "| ")], "the terminal's grid has %s", line)
	}
}

func TestMatrixIsDeterministic(t *testing.T) {
	var outs [2][]byte
	for i := range outs {
		dir := t.TempDir()
		code, _, stderr := invoke("matrix", "--out", dir, "--strategy", "lamport,truetime", "--nemesis", "skew,strobe", "--seeds", "2", "--ops", "80")
		require.Equal(t, 0, code, stderr)
		b, err := os.ReadFile(filepath.Join(kindFolder(t, dir, runs.KindMatrix), experiment.MatrixJSON))
		require.NoError(t, err)
		outs[i] = b
	}
	assert.Equal(t, string(outs[0]), string(outs[1]))
}

// By default the rows are every registered strategy and the columns every
// nemesis column.
func TestMatrixCoversEveryStrategyAndNemesis(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := invoke("matrix", "--out", dir, "--seeds", "1", "--ops", "20", "--keys", "1")
	require.Equal(t, 0, code, stderr)
	m := readMatrix(t, dir)
	assert.Equal(t, store.Names(), m.Strategies)
	var names []string
	for _, c := range m.Nemeses {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"none", "skew", "partition", "skew+partition", "strobe", "tombstone", "small-skew"}, names)
	assert.Len(t, m.Cells, len(store.Names())*len(experiment.Columns))
	for _, s := range store.Names() {
		assert.Regexp(t, "\n"+regexp.QuoteMeta(s)+"  +\\d+ of \\d+ \\(skew \\d+; racing \\d+, later \\d+(, against real time \\d+)?\\)  ", stdout)
	}
	assert.Regexp(t, `\nlost of acked +none +skew +partition +skew\+partition +strobe +tombstone +small-skew\n`, stdout)
	md, err := os.ReadFile(filepath.Join(kindFolder(t, dir, runs.KindMatrix), experiment.MatrixMarkdown))
	require.NoError(t, err)
	assert.Contains(t, string(md), "| strategy | none | skew | partition | skew+partition | strobe | tombstone | small-skew |", "matrix.md stays Markdown")
}

func TestMatrixBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"--seeds", "0"}, "--seeds"},
		{[]string{"--nemesis", "skew,bogus"}, "--nemesis"},
		{[]string{"--strategy", "nope"}, "--strategy"},
		{[]string{"--linear-timeout", "0s"}, "--linear-timeout"},
		{[]string{"--ops", "-3"}, "--ops"},
		{[]string{"--max-skew", "soon"}, "max-skew"},
	} {
		code, _, stderr := invoke(append([]string{"matrix", "--out", t.TempDir()}, tc.args...)...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Contains(t, stderr, tc.flag, "%v", tc.args)
		assert.Contains(t, stderr, "usage: clockwise matrix", "%v", tc.args)
	}
}

// check saves porcupine's visualization in the run folder when a key is not
// linearizable, names it in the report, and --gate linearizable gates on it.
func TestCheckSavesLinearizabilityVisualization(t *testing.T) {
	out := t.TempDir()
	// Under partitions lww's replicas answer with different values: reads
	// that no single register explains.
	code, stdout, stderr := invoke("check", "--out", out, "--strategy", "lww", "--nemesis", "partition", "--ops", "200")
	require.Equal(t, exitInvalid, code, stderr)
	assert.Contains(t, stdout, "linearizable: no (1 of 3 keys not)")
	assert.Contains(t, stdout, "/"+runs.LinearFile+" (porcupine's view of the keys not linearizable)")
	html, err := os.ReadFile(filepath.Join(out, runs.Latest, runs.LinearFile))
	require.NoError(t, err)
	assert.Contains(t, string(html), "<html")
	report, err := os.ReadFile(filepath.Join(out, runs.Latest, runs.ReportFile))
	require.NoError(t, err)
	assert.Contains(t, string(report), "porcupine's visualization: "+runs.LinearFile)
	var res checker.Result
	b, err := os.ReadFile(filepath.Join(out, runs.Latest, runs.ResultsFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &res))
	assert.Equal(t, runs.LinearFile, res.Visualization)
	assert.NotEmpty(t, res.NonLinearizable())

	code, stdout, _ = invoke("analyze", filepath.Join(out, runs.Latest))
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stdout, filepath.Join(out, runs.Latest, runs.LinearFile)+" (porcupine's view")
	code, stdout, _ = invoke("analyze", "--full", filepath.Join(out, runs.Latest))
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stdout, "porcupine's visualization: "+filepath.Join(out, runs.Latest, runs.LinearFile))

	// One node keeps vv's concurrent writes as siblings: nothing lost, but
	// a read of siblings is no register. The page leaves such keys out, so
	// there is none.
	code, stdout, _ = invoke("check", "--out", out, "--strategy", "vv", "--nodes", "1", "--nemesis", "none", "--ops", "100")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "linearizable: no (3 of 3 keys not: keys that keep siblings are not a single register)", "VALID, and why")
	assert.NotContains(t, stdout, "porcupine's view")
	assert.NoFileExists(t, filepath.Join(out, runs.Latest, runs.LinearFile))

	code, stdout, _ = invoke("check", "--out", out, "--strategy", "vv", "--nodes", "1", "--nemesis", "none", "--ops", "100", "--gate", "linearizable")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stdout, "keys not linearizable (gated by --gate linearizable)")

	// A single-node register is linearizable: no visualization.
	code, stdout, _ = invoke("check", "--out", out, "--strategy", "lww", "--nodes", "1", "--nemesis", "none", "--ops", "100")
	assert.Equal(t, exitInvalid, code, "lww still drops concurrent writes")
	assert.Contains(t, stdout, "linearizable: yes")
	entries, err := os.ReadDir(filepath.Join(out, runs.Latest))
	require.NoError(t, err)
	assert.False(t, slices.ContainsFunc(entries, func(e os.DirEntry) bool { return e.Name() == runs.LinearFile }))
}

func TestDemoLamportShowsTotalOrderAndTheDroppedWrite(t *testing.T) {
	code, stdout, stderr := invoke("demo", "--strategy", "lamport")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "total order of the timestamps")
	assert.Contains(t, stdout, "x: w1 (ts 1, n1) < w2 (ts 2, n2)\n")
	assert.Contains(t, stdout, "y: w3 (ts 3, n1, LOST: concurrent-dropped) < w4 (ts 3, n2)\n")
	assert.Contains(t, stdout, "1 of 4 acknowledged writes lost (by kind: concurrent-dropped 1)")
	assert.Contains(t, stdout, "INVALID: 0 acknowledged writes lost to clock skew; 1 dropped as a concurrent write (1 racing, ")
}
