package serve

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/checker"
	"github.com/clockwise-kv/clockwise/internal/runs"
)

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
func servedRuns(t *testing.T) (string, *Handler) {
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
	h, err := NewHandler(runsDir)
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return runsDir, h
}

// get requests target from h as a browser on this machine would, by the
// server's address.
func get(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(method, target, nil)
	r.Host = "127.0.0.1:8080"
	h.ServeHTTP(rec, r)
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

// A run whose history could not decide is listed unknown; a run.json
// written before verdicts could be unknown (no verdict field) keeps its
// valid flag's word.
func TestEntryVerdicts(t *testing.T) {
	unknown, invalid := checker.Unknown, checker.Invalid
	assert.Equal(t, "unknown", newEntry("r", runs.Info{Verdict: &unknown, Interrupted: true}).verdict())
	assert.Equal(t, "invalid", newEntry("r", runs.Info{Verdict: &invalid}).verdict())
	assert.Equal(t, "invalid", newEntry("r", runs.Info{}).verdict())
	assert.Equal(t, "valid", newEntry("r", runs.Info{Valid: true}).verdict())
}

// Only requests that name the server by an address, localhost or an
// allowed name are answered: DNS rebinding gets 403.
func TestHandlerChecksTheHostHeader(t *testing.T) {
	h, err := NewHandler(t.TempDir())
	require.NoError(t, err)
	defer h.Close()
	get := func(host string) int {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for _, host := range []string{"127.0.0.1:8080", "127.0.0.1", "[::1]:8080", "localhost:8080", "LOCALHOST", "app.localhost:1", "10.1.2.3:80"} {
		assert.Equal(t, http.StatusOK, get(host), host)
	}
	for _, host := range []string{"attacker.example:8080", "attacker.example", "", "box:8080"} {
		assert.Equal(t, http.StatusForbidden, get(host), host)
	}
	h.AllowHost("Box.")
	assert.Equal(t, http.StatusOK, get("box:8080"))
	assert.Equal(t, http.StatusForbidden, get("attacker.example"))
}

// A sweep's folder (sweep.json, no run.json) is listed as a sweep with its
// verdict, in a section of its own after the checks' runs, as matrices and
// metadata runs are.
func TestServeListsSweepsMatricesAndMetadataByKind(t *testing.T) {
	runsDir, h := servedRuns(t)
	sweep := filepath.Join(runsDir, "sweep-lww-x")
	require.NoError(t, os.MkdirAll(sweep, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(sweep, sweepFile), []byte(`{"command":"clockwise sweep --seeds 1-30","strategy":"lww",
		"nemesis":"skew,partition","ops":200,"seeds":{"from":1,"to":30},"run":30,"valid":2,"invalid":28,"unknown":0,"wall_ns":1000000000}`), 0o644))
	fakeRun(t, runsDir, "matrix-x", runs.Info{Kind: runs.KindMatrix, Strategy: "lww,vv", Nemesis: "skew", Started: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)})
	rec := get(h, http.MethodGet, "/")
	require.Equal(t, http.StatusOK, rec.Code)
	doc, err := goquery.NewDocumentFromReader(rec.Body)
	require.NoError(t, err)
	var sections []string
	doc.Find("tr.kind-head").Each(func(_ int, s *goquery.Selection) { sections = append(sections, s.Text()) })
	assert.Equal(t, []string{"checks", "sweeps", "matrices"}, sections)
	row := doc.Find(`tr[data-name="sweep-lww-x"]`)
	assert.Equal(t, "invalid", row.AttrOr("data-verdict", ""), "a sweep is no malformed run folder")
	assert.Equal(t, "1-30", row.Find("td.seed").Text())
	assert.Contains(t, row.Find("td.kind-note").Text(), "30 seeds of 200 ops: 2 valid, 28 invalid, 0 unknown")
	assert.Equal(t, "matrix", doc.Find(`tr[data-name="matrix-x"]`).AttrOr("data-verdict", ""))

	rec = get(h, http.MethodGet, "/sweep-lww-x/")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "clockwise sweep --seeds 1-30")
	assert.NotContains(t, rec.Body.String(), "not a run folder")
}
