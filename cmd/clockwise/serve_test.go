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

	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/report/serve"
)

// servedRuns makes a runs folder with a run, lww-old, that holds a run.json
// and a report.txt, and an empty folder.
func servedRuns(t *testing.T) string {
	t.Helper()
	runsDir := t.TempDir()
	dir := filepath.Join(runsDir, "lww-old")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, runs.WriteJSON(filepath.Join(dir, runs.InfoFile), runs.Info{Strategy: "lww", Seed: 3}))
	require.NoError(t, os.WriteFile(filepath.Join(dir, runs.ReportFile), []byte("report of lww-old\n"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(runsDir, "empty"), 0o755))
	return runsDir
}

// The real server: the command binds 127.0.0.1 only and answers over TCP,
// raw request lines included.
func TestServeCommandBindsLoopback(t *testing.T) {
	runsDir := servedRuns(t)
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
	raw := func(host, path string) string {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		_, err = io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n")
		require.NoError(t, err)
		b, err := io.ReadAll(conn)
		require.NoError(t, err)
		return string(b)
	}
	conn.Close()
	got := raw(addr, "/../secret.txt")
	assert.True(t, strings.HasPrefix(got, "HTTP/1.1 404"), got)
	// A page elsewhere that points its own name at this address (DNS
	// rebinding) is refused; localhost and the address are not.
	got = raw("rebind.example:"+itoa(port), "/")
	assert.True(t, strings.HasPrefix(got, "HTTP/1.1 403"), got)
	assert.Contains(t, got, "DNS rebinding")
	got = raw("localhost:"+itoa(port), "/")
	assert.True(t, strings.HasPrefix(got, "HTTP/1.1 200"), got)

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
	code, _, errs := invoke("serve", "--port", "70000", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--port")
	assert.Contains(t, errs, "usage:")

	code, _, errs = invoke("serve", "--host", "", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--host")

	code, _, errs = invoke("serve", filepath.Join(t.TempDir(), "missing"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "runs folder")

	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	code, _, errs = invoke("serve", f)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "is not a folder")
}

func itoa(n int) string { return strconv.Itoa(n) }

// The matrix and the metadata measurement write complete folders of their
// own, with run.json: serve lists them by kind, report prints their tables,
// and latest still names the newest check.
func TestMatrixAndMetadataFoldersAreListed(t *testing.T) {
	out := t.TempDir()
	code, _, errs := invoke("check", "--strategy", "vv", "--ops", "30", "--out", out)
	require.Equal(t, exitValid, code, errs)
	latest, err := os.Readlink(filepath.Join(out, runs.Latest))
	require.NoError(t, err)
	code, _, errs = invoke("matrix", "--strategy", "lww", "--nemesis", "none", "--seeds", "1", "--ops", "30", "--out", out)
	require.Equal(t, exitValid, code, errs)
	code, _, errs = invoke("metadata", "--strategy", "vv", "--nodes", "3", "--ops", "30", "--out", out)
	require.Equal(t, exitValid, code, errs)
	again, err := os.Readlink(filepath.Join(out, runs.Latest))
	require.NoError(t, err)
	assert.Equal(t, latest, again, "latest names the newest check")

	meta := kindFolder(t, out, runs.KindMetadata)
	// Each of its runs is a run folder report and analyze read.
	code, stdout, errs := invoke("report", filepath.Join(meta, "vv-n3"))
	require.Equal(t, exitValid, code, errs)
	assert.Contains(t, stdout, "VALID: ")
	code, stdout, _ = invoke("report", meta)
	assert.Equal(t, exitValid, code)
	assert.Contains(t, stdout, "clockwise metadata:")
	code, stdout, _ = invoke("report", kindFolder(t, out, runs.KindMatrix))
	assert.Equal(t, exitValid, code)
	assert.Contains(t, stdout, "# clockwise strategy matrix")

	h, err := serve.NewHandler(out)
	require.NoError(t, err)
	defer h.Close()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Host = "127.0.0.1:8080"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code)
	doc, err := goquery.NewDocumentFromReader(w.Body)
	require.NoError(t, err)
	var verdicts []string
	doc.Find("tr.run").Each(func(_ int, s *goquery.Selection) { verdicts = append(verdicts, s.AttrOr("data-verdict", "")) })
	assert.ElementsMatch(t, []string{"valid", "matrix", "metadata"}, verdicts)
}
