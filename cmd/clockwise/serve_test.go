package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/runs"
)

// clockwise runs the command line and returns its exit code and output.
func clockwise(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// fakeRun writes a run folder with just a run.json.
func fakeRun(t *testing.T, runsDir, name string, ri runs.Info) {
	t.Helper()
	dir := filepath.Join(runsDir, name)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, runs.WriteJSON(filepath.Join(dir, runs.InfoFile), ri))
	require.NoError(t, os.WriteFile(filepath.Join(dir, runs.ReportFile), []byte("report of "+name+"\n"), 0o644))
}

// servedRuns makes a runs folder: two runs started a minute apart, a folder
// with a broken run.json, an empty folder, runs/latest, a secret beside the
// runs folder and a symlink inside it that points at the secret.
func servedRuns(t *testing.T) (string, *runsHandler) {
	t.Helper()
	base := t.TempDir()
	runsDir := filepath.Join(base, "runs")
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	fakeRun(t, runsDir, "lww-old", runs.Info{Strategy: "lww", Nemesis: "skew", Seed: 3, Started: t0, Valid: false,
		Summary: checker.Summary{Ops: 100, Acknowledged: 40, Lost: 7}})
	fakeRun(t, runsDir, "vv-new", runs.Info{Strategy: "vv", Nemesis: "skew,partition", Seed: 4, Started: t0.Add(time.Minute), Valid: true,
		Summary: checker.Summary{Ops: 200, Acknowledged: 90}})
	require.NoError(t, os.MkdirAll(filepath.Join(runsDir, "broken"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(runsDir, "broken", runs.InfoFile), []byte("{\"strategy\": "), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(runsDir, "empty"), 0o755))
	require.NoError(t, os.Symlink("vv-new", filepath.Join(runsDir, runs.Latest)))
	require.NoError(t, os.WriteFile(filepath.Join(base, "secret.txt"), []byte("secret"), 0o644))
	require.NoError(t, os.Symlink(base, filepath.Join(runsDir, "escape")))
	require.NoError(t, os.Symlink(filepath.Join(base, "secret.txt"), filepath.Join(runsDir, "vv-new", "leak.txt")))
	h, err := newRunsHandler(runsDir)
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return runsDir, h
}

func get(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestServeListsRunsNewestFirstByVerdict(t *testing.T) {
	_, h := servedRuns(t)
	rec := get(h, http.MethodGet, "/")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	doc, err := goquery.NewDocumentFromReader(rec.Body)
	require.NoError(t, err)
	type row struct{ name, verdict, strategy, seed, lost string }
	var got []row
	doc.Find("tr.run").Each(func(_ int, s *goquery.Selection) {
		got = append(got, row{s.AttrOr("data-name", ""), s.AttrOr("data-verdict", ""),
			s.Find("td.strategy").Text(), s.Find("td.seed").Text(), s.Find("td.lost").Text()})
	})
	assert.Equal(t, []row{
		{"vv-new", "valid", "vv", "4", "0"},
		{"lww-old", "invalid", "lww", "3", "7"},
		{"empty", "malformed", "", "", ""},
		{"broken", "malformed", "", "", ""},
	}, got)
	assert.Contains(t, doc.Find(`tr[data-name="broken"] td.err`).Text(), "malformed run.json")
	assert.Contains(t, doc.Find(`tr[data-name="empty"] td.err`).Text(), "not a run folder: no readable run.json")
	assert.Equal(t, 1, doc.Find(`tr[data-name="vv-new"] .tag`).Length(), "runs/latest is marked")
	assert.Equal(t, 0, doc.Find(`tr[data-name="escape"]`).Length(), "a symlink out of the folder is not a run")
	assert.Equal(t, "lww-old/", doc.Find(`tr[data-name="lww-old"] a.open`).AttrOr("href", ""), "no report.html: the folder page")
}

func TestServeOpensRunFiles(t *testing.T) {
	_, h := servedRuns(t)
	rec := get(h, http.MethodGet, "/lww-old/report.txt")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "report of lww-old\n", rec.Body.String())
	assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))

	rec = get(h, http.MethodGet, "/latest/report.txt")
	require.Equal(t, http.StatusOK, rec.Code, "runs/latest stays inside the folder")
	assert.Equal(t, "report of vv-new\n", rec.Body.String())

	rec = get(h, http.MethodGet, "/lww-old")
	assert.Equal(t, http.StatusMovedPermanently, rec.Code)
	rec = get(h, http.MethodGet, "/lww-old/")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `href="report.txt"`)
	assert.Contains(t, rec.Body.String(), "clockwise report --html")
}

func TestServeRefusesPathsOutsideTheRunsFolder(t *testing.T) {
	_, h := servedRuns(t)
	for _, target := range []string{
		"/../secret.txt",
		"/%2e%2e/secret.txt",
		"/lww-old/../../secret.txt",
		"/lww-old/%2e%2e/%2e%2e/secret.txt",
		"/./lww-old/report.txt",
		"//secret.txt",
		"/escape/secret.txt",
		"/vv-new/leak.txt",
		"/no-such-run/",
		"/lww-old/no-such-file",
	} {
		rec := get(h, http.MethodGet, target)
		assert.Equal(t, http.StatusNotFound, rec.Code, target)
		assert.NotContains(t, rec.Body.String(), "secret\n", target)
		assert.Contains(t, rec.Body.String(), "not found", target)
	}
}

func TestServeAnswersBadRequestsWithAMessage(t *testing.T) {
	_, h := servedRuns(t)
	rec := get(h, http.MethodPost, "/")
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Contains(t, rec.Body.String(), "GET and HEAD only")
	rec = get(h, http.MethodGet, `/lww-old\report.txt`)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), "bad path")
	rec = get(h, http.MethodHead, "/")
	assert.Equal(t, http.StatusOK, rec.Code)
}

// The real server: the command binds 127.0.0.1 only and answers over TCP,
// raw request lines included.
func TestServeCommandBindsLoopback(t *testing.T) {
	runsDir, _ := servedRuns(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out bytes.Buffer
	root := newRoot(&out, io.Discard)
	root.SetArgs([]string{"serve", runsDir, "--port", itoa(port)})
	go func() {
		if err := root.ExecuteContext(ctx); err != nil {
			done <- 1
			return
		}
		done <- 0
	}()
	addr := net.JoinHostPort("127.0.0.1", itoa(port))
	var conn net.Conn
	require.Eventually(t, func() bool {
		conn, err = net.Dial("tcp", addr)
		return err == nil
	}, 5*time.Second, 20*time.Millisecond)
	_, err = io.WriteString(conn, "GET /../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	raw, err := io.ReadAll(conn)
	require.NoError(t, err)
	conn.Close()
	assert.True(t, strings.HasPrefix(string(raw), "HTTP/1.1 404"), string(raw))

	resp, err := http.Get("http://" + addr + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "lww-old")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	assert.Contains(t, out.String(), "http://"+addr+"/")
}

func TestServeRejectsBadFlagsAndFolders(t *testing.T) {
	code, _, errs := clockwise("serve", "--port", "70000", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--port")
	assert.Contains(t, errs, "usage:")

	code, _, errs = clockwise("serve", filepath.Join(t.TempDir(), "missing"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "runs folder")

	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	code, _, errs = clockwise("serve", f)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "is not a folder")
}

func itoa(n int) string { return strconv.Itoa(n) }
