package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/clockwise-kv/clockwise/internal/runs"
	"github.com/clockwise-kv/clockwise/report/serve"
)

// chromium finds the browser. The Makefile's test target and .ci/run
// install Debian's chromium where it is missing; without it this test fails
// rather than skips.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium on PATH: install it with `make browser` (Debian's chromium package)")
	return ""
}

// browser starts headless Chromium with a fresh profile and no network
// services, and returns a context for its first tab.
func browser(t *testing.T) context.Context {
	profile, err := os.MkdirTemp("", "clockwise-chromium-")
	require.NoError(t, err)
	t.Cleanup(func() {
		// Chromium's helpers may still write for a moment after it stops.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")), "start chromium")
	tctx, tcancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(tcancel)
	return tctx
}

// shot saves a PNG in the test's temp folder, and in $CLOCKWISE_SCREENSHOTS
// when that is set, for a person to look at.
func shot(t *testing.T, dir, name string, png []byte) {
	require.NotEmpty(t, png)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
	if out := os.Getenv("CLOCKWISE_SCREENSHOTS"); out != "" {
		require.NoError(t, os.MkdirAll(out, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(out, name), png, 0o644))
	}
	t.Logf("screenshot: %s", filepath.Join(dir, name))
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(t, err, js)
	return v
}

// A real browser loads the serve index from a local server, opens a run's
// report from it, and opens a report from file:// with no server at all; the
// test checks what rendered.
func TestBrowserRendersIndexAndReport(t *testing.T) {
	runsDir := t.TempDir()
	shots := t.TempDir()
	code, _, errs := invoke("check", "--strategy", "lww", "--ops", "150", "--seed", "2", "--skew", "n1=+3s", "--interval", "60ms", "--out", runsDir)
	require.Equal(t, exitInvalid, code, errs)
	lww, err := filepath.EvalSymlinks(filepath.Join(runsDir, runs.Latest))
	require.NoError(t, err)
	code, _, errs = invoke("check", "--strategy", "vv", "--ops", "150", "--seed", "2", "--out", runsDir)
	require.Equal(t, exitValid, code, errs)
	require.NoError(t, os.MkdirAll(filepath.Join(runsDir, "broken"), 0o755))
	var ri runs.Info
	b, err := os.ReadFile(filepath.Join(lww, runs.InfoFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &ri))
	require.Positive(t, ri.Summary.Lost)

	h, err := serve.NewHandler(runsDir)
	require.NoError(t, err)
	defer h.Close()
	srv := httptest.NewServer(h) // on 127.0.0.1
	defer srv.Close()
	ctx := browser(t)

	// The index: three rows, coloured by verdict.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("runs"))))
	verdicts := eval[[]string](t, ctx, `[...document.querySelectorAll("tr.run")].map(r => r.dataset.verdict).sort()`)
	assert.Equal(t, []string{"invalid", "malformed", "valid"}, verdicts)
	colours := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll("tr.run")].map(r =>
		[r.dataset.verdict, getComputedStyle(r.querySelector("td.verdict-cell")).backgroundColor]))`)
	assert.Equal(t, "rgb(227, 244, 232)", colours["valid"])
	assert.Equal(t, "rgb(253, 231, 231)", colours["invalid"])
	assert.Equal(t, itoa(ri.Summary.Lost), eval[string](t, ctx, `document.querySelector('tr.run.invalid td.lost').textContent`))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	shot(t, shots, "index.png", png)

	// Open the lww run's report from the index.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("tr.run.invalid a.open")), chromedp.WaitVisible(chromedp.ID("verdict"))))
	checkReport(t, ctx, ri, shots, "report")

	// The same report from file://, no server.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("file://"+filepath.Join(lww, "report.html")), chromedp.WaitVisible(chromedp.ID("verdict"))))
	assert.Equal(t, "file:", eval[string](t, ctx, `location.protocol`))
	checkReport(t, ctx, ri, shots, "file")
}

func checkReport(t *testing.T, ctx context.Context, ri runs.Info, shots, prefix string) {
	t.Helper()
	assert.Contains(t, eval[string](t, ctx, `document.querySelector("#verdict h1").innerText`), "INVALID")
	// The order a reader wants: the verdict, the summary, the losses to
	// clock skew, the timeline and plots, then the full lists, collapsed.
	assert.Equal(t, []string{"verdict", "summary", "skew", "timeline", "plots", "keys", "lost", "faults", "files"},
		eval[[]string](t, ctx, `[...document.querySelectorAll("header, main > section")].map(s => s.id)`))
	assert.False(t, eval[bool](t, ctx, `document.getElementById("lost-all").open`), "every lost write: collapsed")
	assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll("#skew details.lost").length`))
	assert.Equal(t, ri.Command, eval[string](t, ctx, `document.getElementById("replay").innerText`))
	assert.Equal(t, ri.Summary.Lost, eval[int](t, ctx, `document.querySelectorAll("details.lost").length`))
	// The plots decoded: an image with no width did not render.
	for _, id := range []string{"plot-latency", "plot-clocks"} {
		assert.Positive(t, eval[int](t, ctx, `document.getElementById("`+id+`").naturalWidth`), id)
	}
	checkNoStripes(t, ctx)
	// The timeline drew a bar per operation and shaded the skew.
	assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll("#timeline-svg rect.op").length`))
	assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll("#timeline-svg rect.shade.clock").length`))
	assert.Positive(t, eval[float64](t, ctx, `document.querySelector("#timeline-svg rect.op").getBBox().width`))
	checkZoom(t, ctx)
	// Each causal graph is drawn at a scale to read: fitted to its box, but
	// no smaller than 0.6 of its size (then its box scrolls).
	assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll("svg.graph").length`))
	assert.Empty(t, eval[[]string](t, ctx, `[...document.querySelectorAll("svg.graph")].filter(g =>
		g.getBoundingClientRect().width < 0.6 * Number(g.getAttribute("width")) - 1).map(g => g.closest("article").id)`))
	// Clicking a lost write's bar shows its details.
	assert.True(t, eval[bool](t, ctx, `document.getElementById("op-detail").hidden`))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#timeline-svg rect.op.lost").scrollIntoView({block: "center", inline: "center"})`),
		chromedp.Click(chromedp.CSS("#timeline-svg rect.op.lost")),
		chromedp.WaitVisible(chromedp.ID("op-detail"))))
	assert.Contains(t, eval[string](t, ctx, `document.getElementById("op-title").innerText`), "LOST")
	assert.Equal(t, "why this write was lost", eval[string](t, ctx, `document.querySelector("#op-lost a").innerText`))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#op-detail button.close")), chromedp.WaitNotVisible(chromedp.ID("op-detail"))))

	// A link to a story inside the collapsed list opens the list.
	require.Positive(t, eval[int](t, ctx, `document.querySelectorAll("#lost-all details.lost").length`))
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const a = document.createElement("a"); a.href = "#" + document.querySelector("#lost-all details.lost").id;
		document.body.appendChild(a); a.click(); a.remove(); })()`)))
	assert.True(t, eval[bool](t, ctx, `document.getElementById("lost-all").open`))
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("lost-all").open = false`)))
	for _, part := range []struct{ sel, name string }{
		{"#verdict", "verdict"}, {"#lost details.lost", "lost"}, {"#timeline", "timeline"},
		{"article.key", "key"}, {"#plots", "plots"},
	} {
		png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(part.sel)))
		require.NoError(t, err, part.sel)
		shot(t, shots, prefix+"-"+part.name+".png", png)
	}
}

// checkZoom zooms the timeline with its buttons and the wheel, and pans it
// by dragging, and checks the visible range follows.
func checkZoom(t *testing.T, ctx context.Context) {
	t.Helper()
	span := func() (float64, float64) {
		r := eval[[]float64](t, ctx, `(() => { const s = document.getElementById("timeline-svg");
			return [Number(s.dataset.from), Number(s.dataset.to)]; })()`)
		return r[0], r[1]
	}
	from, to := span()
	assert.Zero(t, from, "the whole run at first")
	end := to
	assert.Positive(t, end)
	assert.LessOrEqual(t, eval[float64](t, ctx, `document.getElementById("timeline-svg").getBoundingClientRect().right`),
		eval[float64](t, ctx, `document.querySelector(".tl").getBoundingClientRect().right`)+1, "the timeline fits its box")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("tl-in"))))
	from, to = span()
	assert.InDelta(t, end/2, to-from, end/100, "zoom in halves the visible range")
	// The wheel zooms around the pointer.
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("timeline-svg");
		const b = s.getBoundingClientRect();
		s.dispatchEvent(new WheelEvent("wheel", {deltaY: -100, clientX: b.left + b.width / 2, clientY: b.top + 40, bubbles: true, cancelable: true})); })()`)))
	f2, t2 := span()
	assert.InDelta(t, (to-from)/1.25, t2-f2, end/100, "the wheel zooms in")
	assert.Contains(t, eval[string](t, ctx, `document.getElementById("tl-range").textContent`), "showing ")
	// What is drawn is what is in view.
	assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll("#timeline-svg rect.op, #timeline-svg rect.col").length`))
	assert.Zero(t, eval[int](t, ctx, `(() => { const b = document.querySelector(".tl-scroll").getBoundingClientRect();
		return [...document.querySelectorAll("#timeline-svg rect.op, #timeline-svg rect.col")].filter(r => {
			const x = r.getBoundingClientRect(); return x.right < b.left - 1 || x.left > b.right + 1; }).length; })()`))
	// Dragging pans: to the left shows later times.
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("timeline-svg");
		const b = s.getBoundingClientRect(), y = b.top + 30;
		s.dispatchEvent(new MouseEvent("mousedown", {clientX: b.left + 600, clientY: y, bubbles: true}));
		window.dispatchEvent(new MouseEvent("mousemove", {clientX: b.left + 400, clientY: y, bubbles: true}));
		window.dispatchEvent(new MouseEvent("mouseup", {clientX: b.left + 400, clientY: y, bubbles: true})); })()`)))
	f3, t3 := span()
	assert.Greater(t, f3, f2, "dragged left: later times")
	assert.InDelta(t, t2-f2, t3-f3, end/1000, "panning keeps the span")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("tl-all"))))
	from, to = span()
	assert.Zero(t, from)
	assert.InDelta(t, end, to, 1)
}

// checkNoStripes checks that no plot is striped by fault intervals: each
// shades at most a dozen bands across its height (more are drawn as a
// strip under it), and the timeline shades few across its lanes.
func checkNoStripes(t *testing.T, ctx context.Context) {
	t.Helper()
	bands := eval[map[string]int](t, ctx, `Object.fromEntries([...document.querySelectorAll("#plots img")].map(i => [i.id, Number(i.dataset.bands)]))`)
	require.Len(t, bands, 4)
	for id, n := range bands {
		assert.LessOrEqual(t, n, 12, "fault bands across %s", id)
	}
	assert.LessOrEqual(t, eval[int](t, ctx, `[...document.querySelectorAll("#timeline-svg rect.shade")].filter(r =>
		getComputedStyle(r).display !== "none" && r.getBoundingClientRect().width > 0).length`), 30, "fault shades across the lanes")
}

// lastOp is the time the last operation of the timeline's data ends (or
// starts, when it never ended), decoded apart from the page's script.
const lastOp = `(() => { const d = JSON.parse(document.getElementById("timeline-data").textContent);
	let t = 0, last = 0;
	d.start.forEach((s, i) => { t += s; last = Math.max(last, (t + Math.max(d.dur[i], 0)) * d.q); });
	return last; })()`

// Budgets of a 100,000-operation run's report.html: the page stays small
// enough to load, and short enough to read top to bottom (it was 4.7 MB and
// 131,913 px tall, its timeline 62,000 px down, before the long lists were
// folded away and trimmed).
const (
	largeOps            = 100_000
	largeMaxBytes       = 4_500_000
	largeMaxHeight      = 8_000 // px in a 1400×1000 window
	largeMaxTimelineTop = 2_500
)

// A 100,000-operation run's report draws the whole run on its timeline,
// per column, with its lost writes; zoomed in on a lost write, each
// operation is a bar and the lost write is marked; no plot is striped by
// its thousand faults.
func TestBrowserLargeReport(t *testing.T) {
	runsDir := t.TempDir()
	code, _, errs := invoke("check", "--strategy", "lww", "--ops", itoa(largeOps), "--out", runsDir)
	require.Equal(t, exitInvalid, code, errs)
	page := filepath.Join(runsDir, runs.Latest, runs.HTMLFile)
	st, err := os.Stat(page)
	require.NoError(t, err)
	t.Logf("report.html of %d operations: %d bytes", largeOps, st.Size())
	assert.Less(t, st.Size(), int64(largeMaxBytes))
	shots := t.TempDir()

	ctx := browser(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitVisible(chromedp.ID("verdict"))))
	height := eval[int](t, ctx, `document.documentElement.scrollHeight`)
	top := int(eval[float64](t, ctx, `document.getElementById("timeline").getBoundingClientRect().top + window.scrollY`))
	t.Logf("height %d px, timeline at %d px", height, top)
	assert.Less(t, height, largeMaxHeight)
	assert.Less(t, top, largeMaxTimelineTop)

	// The whole run, per column: its drawn extent reaches the last
	// operation, on screen as in time.
	assert.Empty(t, eval[string](t, ctx, `document.querySelector("#timeline b.cut") ? "cut" : ""`), "no operation left out")
	assert.Equal(t, "columns", eval[string](t, ctx, `document.getElementById("timeline-svg").dataset.mode`))
	last := eval[float64](t, ctx, lastOp)
	end := eval[float64](t, ctx, `Number(document.getElementById("timeline-svg").dataset.end)`)
	assert.Greater(t, last, 0.99*end, "the data holds the whole run")
	assert.GreaterOrEqual(t, eval[float64](t, ctx, `Number(document.getElementById("timeline-svg").dataset.drawnTo)`), last-1e6)
	assert.Greater(t, eval[float64](t, ctx, `Math.max(...[...document.querySelectorAll("#timeline-svg rect.col")].map(r => r.getBoundingClientRect().right))`),
		eval[float64](t, ctx, `document.getElementById("timeline-svg").getBoundingClientRect().right`)-20, "columns reach the right end")
	// The lost writes, per column, those lost to clock skew among them.
	assert.Greater(t, eval[int](t, ctx, `document.querySelectorAll("#timeline-svg g.lostbar").length`), 50)
	assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll("#timeline-svg rect.lostbar.skew").length`))
	checkNoStripes(t, ctx)
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.ID("timeline")))
	require.NoError(t, err)
	shot(t, shots, "large-timeline.png", png)

	checkZoom(t, ctx)

	// A story's link to its write zooms the timeline in on it: each
	// operation a bar, the lost ones marked, late in the run as early.
	for _, sel := range []string{`#skew details.lost a.goto`, `#skew details.lost table.sides tr:nth-child(2) td:nth-child(3) a.goto`} {
		require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("`+sel+`").click()`),
			chromedp.WaitVisible(chromedp.ID("op-detail"))), sel)
		assert.Equal(t, "ops", eval[string](t, ctx, `document.getElementById("timeline-svg").dataset.mode`), sel)
		assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll("#timeline-svg rect.op").length`))
		assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll("#timeline-svg rect.op.selected").length`), sel)
	}
	assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll("#timeline-svg rect.op.lost").length`))
	assert.Positive(t, eval[int](t, ctx, `document.querySelectorAll("#timeline-svg path.lostmark").length`))
	png, err = chromedp.Run(ctx, chromedp.Screenshot(chromedp.ID("timeline")))
	require.NoError(t, err)
	shot(t, shots, "large-timeline-zoomed.png", png)
	// An operation the page does not describe in full is named from its
	// columns.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("tl-out")), chromedp.Click(chromedp.ID("tl-all"))))
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("timeline-svg");
		const b = s.getBoundingClientRect();
		for (let i = 0; i < 40; i++) s.dispatchEvent(new WheelEvent("wheel", {deltaY: -100, clientX: b.left + b.width * 0.7, clientY: b.top + 40, bubbles: true, cancelable: true})); })()`)))
	assert.Equal(t, "ops", eval[string](t, ctx, `document.getElementById("timeline-svg").dataset.mode`))
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("#timeline-svg rect.op").dispatchEvent(new MouseEvent("click", {bubbles: true}))`),
		chromedp.WaitVisible(chromedp.ID("op-detail"))))
	assert.Regexp(t, `^c\d+ (read|write|delete) `, eval[string](t, ctx, `document.getElementById("op-title").innerText`))

	png, err = chromedp.Run(ctx, chromedp.FullScreenshot(60))
	require.NoError(t, err, "the page is short enough to screenshot whole")
	shot(t, shots, "large.png", png)
}

// reportPNG is the README's picture of report.html: the top of the
// default lww run's report, down to its timeline.
const reportPNG = "../../docs/report.png"

// maxReportPNG bounds the picture's size, for the README.
const maxReportPNG = 300 << 10

// The README shows docs/report.png, the top of the default lww run's
// report down to its timeline, each story folded; `make docs` (-docs)
// takes it again from what the page draws now.
func TestREADMEScreenshotOfTheReport(t *testing.T) {
	runsDir := t.TempDir()
	code, _, errs := invoke("check", "--strategy", "lww", "--out", runsDir)
	require.Equal(t, exitInvalid, code, errs)
	page := filepath.Join(runsDir, runs.Latest, runs.HTMLFile)
	ctx := browser(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1200, 900), chromedp.Navigate("file://"+page), chromedp.WaitVisible(chromedp.ID("verdict"))))
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		document.querySelectorAll("details").forEach(d => d.open = false);
		let past = false;
		document.querySelectorAll("main > section, footer").forEach(s => { if (past) s.style.display = "none"; if (s.id === "timeline") past = true; });
		window.dispatchEvent(new Event("resize")); })()`)))
	shotPNG, err := chromedp.Run(ctx, chromedp.ScreenshotScale(chromedp.CSS("body"), 0.8))
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(shotPNG, []byte("\x89PNG\r\n\x1a\n")))
	assert.Less(t, len(shotPNG), maxReportPNG)
	if *updateDocs {
		require.NoError(t, os.WriteFile(reportPNG, shotPNG, 0o644))
	}
	// The stored picture is one such PNG, small enough for the README (its
	// bytes differ from one Chromium to the next, so they are not compared).
	stored, err := os.ReadFile(reportPNG)
	require.NoError(t, err, "no %s: run make docs", reportPNG)
	require.True(t, bytes.HasPrefix(stored, []byte("\x89PNG\r\n\x1a\n")), reportPNG)
	assert.Less(t, len(stored), maxReportPNG, reportPNG)
	cfg, err := png.DecodeConfig(bytes.NewReader(stored))
	require.NoError(t, err)
	assert.Greater(t, cfg.Width, 800, "wide enough to read")
}
