package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/internal/runs"
)

func TestReportCommandPrintsTheStoredTextReport(t *testing.T) {
	runsDir := servedRuns(t)
	code, out, _ := invoke("report", "--full", filepath.Join(runsDir, "lww-old"))
	assert.Equal(t, exitValid, code)
	assert.Equal(t, "report of lww-old\n", out)

	code, _, errs := invoke("report", "--full", filepath.Join(runsDir, "empty"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "has no report.txt")

	code, _, errs = invoke("report", filepath.Join(runsDir, "nope"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "no such file")

	code, _, _ = invoke("report")
	assert.Equal(t, exitUsage, code)
}

// check writes report.html into the run folder; report --html rewrites it
// from the stored history and verdict; report prints what report.txt holds.
func TestCheckWritesTheHTMLReport(t *testing.T) {
	runsDir := t.TempDir()
	code, out, errs := invoke("check", "--strategy", "lww", "--ops", "120", "--seed", "5", "--out", runsDir)
	require.Contains(t, []int{exitValid, exitInvalid}, code, errs)
	dir, err := filepath.EvalSymlinks(filepath.Join(runsDir, runs.Latest))
	require.NoError(t, err)
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(html))
	require.NoError(t, err)
	var ri runs.Info
	b, err := os.ReadFile(filepath.Join(dir, runs.InfoFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &ri))
	assert.Equal(t, ri.Command, doc.Find("#replay").Text())
	assert.Equal(t, ri.Summary.Lost, doc.Find("details.lost").Length())
	assert.Equal(t, "history.jsonl", doc.Find("#files a").First().AttrOr("href", ""))
	assert.NotContains(t, errs, "operations", "no progress bar when stderr is not a terminal")
	assert.NotContains(t, out, "\r")
	assert.Contains(t, out, "\n  "+filepath.Join(dir, "report.html")+" (open in a browser)\n")

	code, text, _ := invoke("report", "--full", dir)
	assert.Equal(t, exitValid, code)
	stored, err := os.ReadFile(filepath.Join(dir, runs.ReportFile))
	require.NoError(t, err)
	assert.Equal(t, string(stored), text)
	code, brief, _ := invoke("report", dir)
	assert.Equal(t, exitValid, code, "report presents; it does not gate")
	assert.Equal(t, out, brief, "report prints the summary check printed")

	require.NoError(t, os.Remove(filepath.Join(dir, "report.html")))
	code, path, errs := invoke("report", "--html", dir)
	require.Equal(t, exitValid, code, errs)
	again, err := os.ReadFile(strings.TrimSpace(path))
	require.NoError(t, err)
	assert.Equal(t, html, again, "rewritten from the stored history and verdict, byte for byte")
}

func TestReportHTMLNamesWhatIsWrongWithItsInput(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history.jsonl")
	require.NoError(t, os.WriteFile(hist, []byte(`{"index":0,"time":1,"process":"c1","type":"invoke","f":"read","key":"x"}`+"\n"+
		`{"index":1,"time":"soon","process":"c1","type":"ok","f":"read","key":"x"}`+"\n"), 0o644))
	code, _, errs := invoke("report", "--html", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "line 2")
	assert.Contains(t, errs, "time")

	// A well-formed history with a broken stored verdict.
	require.NoError(t, os.WriteFile(hist, []byte(`{"index":0,"time":1,"process":"c1","type":"invoke","f":"read","key":"x"}`+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "results.json"), []byte("{"), 0o644))
	code, _, errs = invoke("report", "--html", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "results.json")

	// Without a stored verdict the history is judged again: any history
	// gets a report.
	require.NoError(t, os.Remove(filepath.Join(dir, "results.json")))
	code, out, errs := invoke("report", "--html", hist)
	require.Equal(t, exitValid, code, errs)
	assert.Equal(t, filepath.Join(dir, "report.html")+"\n", out)
	_, err := os.Stat(filepath.Join(dir, "report.html"))
	assert.NoError(t, err)
}
