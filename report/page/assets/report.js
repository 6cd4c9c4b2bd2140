// The report's own script, no library: the timeline zooms (wheel, buttons)
// and pans (drag); click an operation to see its details; links to an
// operation or a lost write open what hides it and bring it into view.
(function () {
  "use strict";
  var details = [];
  try { details = JSON.parse(document.getElementById("details").textContent) || []; } catch (e) { details = []; }
  var panel = document.getElementById("op-detail");
  var selected = null;

  // The operations, decoded from the page's columns of small numbers.
  var ops = null;
  try { ops = decode(JSON.parse(document.getElementById("timeline-data").textContent)); } catch (e) { ops = null; }

  function decode(d) {
    var n = d.start.length, o = { d: d, n: n, s: new Float64Array(n), e: new Float64Array(n), inv: new Int32Array(n),
      lost: new Uint8Array(n), lane: new Int32Array(n), cls: new Int32Array(n), node: new Int32Array(n), key: new Int32Array(n),
      det: new Int32Array(n).fill(-1), byInvoke: new Map(), maxDur: 0, medDur: 0, open: [] };
    var t = 0, inv = 0, durs = [], nl = d.lanes.length, nc = d.classes.length, nn = d.nodes.length;
    for (var i = 0; i < n; i++) {
      t += d.start[i]; inv += d.invoke[i];
      o.s[i] = t * d.q; o.inv[i] = inv; o.byInvoke.set(inv, i);
      o.e[i] = d.dur[i] < 0 ? Infinity : (t + d.dur[i]) * d.q;
      if (d.dur[i] >= 0) { durs.push(d.dur[i] * d.q); o.maxDur = Math.max(o.maxDur, d.dur[i] * d.q); } else { o.open.push(i); }
      var c = d.code[i];
      o.lost[i] = c % 3; c = Math.floor(c / 3);
      o.lane[i] = c % nl; c = Math.floor(c / nl);
      o.cls[i] = c % nc; c = Math.floor(c / nc);
      o.node[i] = c % nn; o.key[i] = Math.floor(c / nn);
    }
    d.details.forEach(function (i, j) { o.det[i] = j; });
    durs.sort(function (a, b) { return a - b; });
    o.medDur = durs.length ? durs[durs.length >> 1] : 1;
    return o;
  }
  // first returns the first operation starting at or after t.
  function first(t) {
    var lo = 0, hi = ops.n;
    while (lo < hi) { var m = (lo + hi) >> 1; if (ops.s[m] < t) { lo = m + 1; } else { hi = m; } }
    return lo;
  }

  // Zoom and pan: every x on the timeline is redrawn from the position the
  // page was written with (base pixels), through the visible range [v0, v1].
  var svg = document.getElementById("timeline-svg");
  var tl = null;
  if (svg) { tl = zoomable(svg); }

  function zoomable(svg) {
    var scroll = svg.parentNode;
    var pad = Number(svg.getAttribute("data-pad")) || 0;
    var nspp = Number(svg.getAttribute("data-nspp")) || 1;
    var bottom = Number(svg.getAttribute("data-bottom")) || 0;
    var baseW = Number(svg.getAttribute("width")) - 2 * pad;
    var minSpan = Math.max(baseW / 5000, 1);
    var rects = Array.prototype.slice.call(svg.querySelectorAll("rect.shade, g.interval rect"));
    rects.forEach(function (r) { r._x = Number(r.getAttribute("x")); r._w = Number(r.getAttribute("width")); });
    var shades = rects.filter(function (r) { return r.classList.contains("shade"); });
    var labels = Array.prototype.slice.call(svg.querySelectorAll("g.interval text.label"));
    labels.forEach(function (t) {
      t._x = Number(t.getAttribute("x"));
      t._w = Number(t.parentNode.querySelector("rect").getAttribute("width"));
      t._need = 6 * t.textContent.length;
    });
    var instants = Array.prototype.slice.call(svg.querySelectorAll("g.instant"));
    instants.forEach(function (g) { g._x = Number(g.querySelector("line").getAttribute("x1")); });
    var gCols = svg.querySelector("g.cols"), gOps = svg.querySelector("g.ops"), gMarks = svg.querySelector("g.lostmarks");
    var lanes = svg.querySelectorAll("line.laneline");
    var ticks = svg.querySelector("g.ticks");
    var range = document.getElementById("tl-range");
    var v0 = 0, v1 = baseW, k = 1;
    var NS = svg.namespaceURI;

    scroll.classList.add("zoomable");
    var tools = document.querySelector(".tl-tools");
    if (tools) { tools.hidden = false; }

    function X(bx) { return pad + (bx - pad - v0) * k; }
    function fmt(ns) {
      if (ns === 0) { return "0s"; }
      if (ns >= 1e9) { return +(ns / 1e9).toFixed(3) + "s"; }
      if (ns >= 1e6) { return +(ns / 1e6).toFixed(3) + "ms"; }
      return +(ns / 1e3).toFixed(3) + "µs";
    }
    function niceStep(ns) {
      var p = Math.pow(10, Math.floor(Math.log10(Math.max(ns, 1))));
      var steps = [1, 2, 5, 10];
      for (var i = 0; i < steps.length; i++) { if (steps[i] * p >= ns) { return steps[i] * p; } }
      return 10 * p;
    }
    function el(name, attrs) {
      var e = document.createElementNS(NS, name);
      for (var a in attrs) { e.setAttribute(a, attrs[a]); }
      return e;
    }
    // Fault intervals and instants are shaded across the lanes only while
    // few are in view: a thousand would stripe every lane.
    var maxShades = 30;
    function inView(x, w, W) { return x + w >= 0 && x <= W; }
    // drawOps draws the operations of [t0, t1] on W pixels: one bar each
    // when they are few and wide enough to tell apart, else per column of
    // colW pixels, how many start in it per lane and how many of them
    // were lost.
    var maxBars = 2500, minBarPx = 6, colW = 5, lostPer = 3;
    function drawOps(t0, t1, W) {
      gCols.textContent = ""; gOps.textContent = ""; gMarks.textContent = "";
      svg.removeAttribute("data-drawn-to");
      if (!ops || !ops.n) { return; }
      var d = ops.d, kk = (W - 2 * pad) / (t1 - t0);
      var hi = first(t1), lo = first(t0 - ops.maxDur);
      var idx = [];
      ops.open.forEach(function (i) { if (i < lo) { idx.push(i); } });
      var drawnTo = -Infinity;
      var x = function (t) { return pad + (t - t0) * kk; };
      // (how many start in view decides: one long operation before it
      // does not make the view crowded)
      var single = hi - first(t0) <= maxBars && ops.medDur * kk >= minBarPx;
      svg.classList.toggle("aggregate", !single);
      svg.setAttribute("data-mode", single ? "ops" : "columns");
      if (single) {
        for (var i = lo; i < hi; i++) { if (ops.e[i] >= t0) { idx.push(i); } }
        idx.forEach(function (i) {
          var end = Math.min(ops.e[i], Number(svg.getAttribute("data-end")));
          var bx = x(ops.s[i]), bw = Math.max(1, (end - ops.s[i]) * kk);
          var y = d.laneY[ops.lane[i]] + (d.laneH - 12) / 2;
          var cls = "op " + d.classes[ops.cls[i]] + (ops.lost[i] ? " lost" : "");
          var r = el("rect", { id: "op-" + ops.inv[i], "class": cls, "data-i": i, x: bx.toFixed(1), y: y, width: bw.toFixed(1), height: 12 });
          gOps.appendChild(r);
          if (ops.lost[i]) {
            gMarks.appendChild(el("path", { "class": "lostmark", d: "M" + bx.toFixed(1) + " " + y + " l-4 -5 h8 z" }));
            // and a tick in the row of lost writes
            if (d.lostY) { gCols.appendChild(el("rect", { "class": "lostbar" + (ops.lost[i] === 2 ? " skew" : ""), x: bx.toFixed(1), y: d.lostY + 4, width: 2, height: d.lostH - 6 })); }
          }
          drawnTo = Math.max(drawnTo, end);
        });
      } else {
        var cols = Math.max(1, Math.ceil((W - 2 * pad) / colW)), nl = d.lanes.length;
        var per = (t1 - t0) / cols;
        // Lost writes are counted in wider columns, lostCols of them, so
        // that where they cluster reads as the height of a bar.
        var lostCols = Math.max(1, Math.ceil(cols / lostPer)), lostPerNs = per * lostPer;
        var count = new Int32Array(cols * nl), lostAll = new Int32Array(lostCols), lostSkew = new Int32Array(lostCols);
        var top = 0, topLost = 0;
        for (i = Math.max(0, first(t0)); i < hi; i++) {
          var c = Math.min(cols - 1, Math.floor((ops.s[i] - t0) / per)), j = ops.lane[i] * cols + c;
          top = Math.max(top, ++count[j]);
          if (ops.lost[i]) {
            c = Math.floor(c / lostPer); topLost = Math.max(topLost, ++lostAll[c]);
            if (ops.lost[i] === 2) { lostSkew[c]++; }
          }
          drawnTo = Math.max(drawnTo, Math.min(ops.e[i], Number(svg.getAttribute("data-end"))));
        }
        for (j = 0; j < count.length; j++) {
          if (!count[j]) { continue; }
          var lane = Math.floor(j / cols), cx = pad + (j % cols) * colW;
          gCols.appendChild(el("rect", { "class": "col", x: cx, y: d.laneY[lane] + 3, width: colW - 0.5, height: d.laneH - 6,
            "fill-opacity": (0.15 + 0.85 * count[j] / top).toFixed(2), "data-n": count[j] }));
        }
        if (d.lostY) {
          for (c = 0; c < lostCols; c++) {
            if (!lostAll[c]) { continue; }
            var bh = Math.max(2, (d.lostH - 4) * lostAll[c] / topLost), bx = pad + c * colW * lostPer;
            var bw = Math.min(colW * lostPer, W - pad - bx) - 1, by = d.lostY + d.lostH - 2 - bh;
            var bar = el("g", { "class": "lostbar", "data-n": lostAll[c], "data-skew": lostSkew[c] });
            bar.appendChild(el("rect", { "class": "lostbar", x: bx, y: by.toFixed(1), width: bw, height: bh.toFixed(1) }));
            if (lostSkew[c]) {
              var sh = bh * lostSkew[c] / lostAll[c];
              bar.appendChild(el("rect", { "class": "lostbar skew", x: bx, y: (by + bh - sh).toFixed(1), width: bw, height: sh.toFixed(1) }));
            }
            var title = el("title", {});
            title.textContent = lostAll[c] + " lost writes (" + lostSkew[c] + " to clock skew) from " +
              fmt(Math.round(t0 + c * lostPerNs)) + " to " + fmt(Math.round(t0 + (c + 1) * lostPerNs));
            bar.appendChild(title);
            gCols.appendChild(bar);
          }
        }
      }
      if (drawnTo > -Infinity) { svg.setAttribute("data-drawn-to", Math.round(drawnTo)); }
    }
    function draw() {
      var W = Math.max(200, scroll.clientWidth);
      svg.setAttribute("width", W);
      k = (W - 2 * pad) / (v1 - v0);
      var shown = 0;
      rects.forEach(function (r) {
        var x = X(r._x), w = Math.max(1, r._w * k);
        r.setAttribute("x", x.toFixed(1));
        r.setAttribute("width", w.toFixed(1));
        if (r.classList.contains("shade") && inView(x, w, W)) { shown++; }
      });
      svg.classList.toggle("dense-faults", shown > maxShades);
      labels.forEach(function (t) {
        // A label sits at the visible start of its interval, if it fits.
        var a = Math.max(X(t._x), 0), b = Math.min(X(t._x + t._w), W);
        t.setAttribute("x", a.toFixed(1));
        t.classList.toggle("narrow", b - a < t._need);
      });
      var seen = 0;
      instants.forEach(function (g) {
        var x = X(g._x);
        if (inView(x, 0, W)) { seen++; }
        var xs = x.toFixed(1);
        var l = g.querySelector("line"); l.setAttribute("x1", xs); l.setAttribute("x2", xs);
        g.querySelector("circle").setAttribute("cx", xs);
        var t = g.querySelector("text"); if (t) { t.setAttribute("x", xs); }
      });
      svg.classList.toggle("dense-instants", seen > maxShades);
      Array.prototype.forEach.call(lanes, function (l) { l.setAttribute("x2", W); });
      var from = v0 * nspp, to = v1 * nspp;
      if (ticks) {
        ticks.textContent = "";
        var step = niceStep((to - from) * 110 / (W - 2 * pad));
        for (var t = Math.ceil(from / step) * step; t <= to; t += step) {
          var x = X(pad + t / nspp).toFixed(1);
          ticks.appendChild(el("line", { "class": "tick", x1: x, x2: x, y1: 16, y2: bottom }));
          var text = el("text", { "class": "tick", x: x, y: 12 });
          text.textContent = fmt(t);
          ticks.appendChild(text);
        }
      }
      drawOps(from, to, W);
      svg.setAttribute("data-from", Math.round(from));
      svg.setAttribute("data-to", Math.round(to));
      if (range) { range.textContent = "showing " + fmt(Math.round(from)) + " to " + fmt(Math.round(to)) + " of " + fmt(Math.round(baseW * nspp)); }
    }
    function show(a, b) {
      var span = Math.min(Math.max(b - a, minSpan), baseW);
      a = Math.min(Math.max(a, 0), baseW - span);
      v0 = a; v1 = a + span;
      draw();
    }
    // zoom by f around the base position at.
    function zoom(f, at) {
      var span = (v1 - v0) / f;
      show(at - (at - v0) / f, at - (at - v0) / f + span);
    }
    function centre() { return (v0 + v1) / 2; }
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var box = svg.getBoundingClientRect();
      var at = v0 + (ev.clientX - box.left - pad) / k;
      zoom(ev.deltaY < 0 ? 1.25 : 0.8, at);
    }, { passive: false });
    var drag = null;
    svg.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX, v0: v0, moved: false }; });
    window.addEventListener("mousemove", function (ev) {
      if (!drag) { return; }
      var dx = ev.clientX - drag.x;
      if (Math.abs(dx) > 3) { drag.moved = true; scroll.classList.add("dragging"); }
      if (drag.moved) { show(drag.v0 - dx / k, drag.v0 - dx / k + (v1 - v0)); }
    });
    window.addEventListener("mouseup", function () {
      if (drag && drag.moved) { svg._dragged = true; setTimeout(function () { svg._dragged = false; }, 0); }
      drag = null; scroll.classList.remove("dragging");
    });
    // A click on a column zooms in around it.
    svg.addEventListener("click", function (ev) {
      if (svg._dragged || !ev.target.classList || !(ev.target.classList.contains("col") || ev.target.classList.contains("lostbar"))) { return; }
      var box = svg.getBoundingClientRect();
      zoom(4, v0 + (ev.clientX - box.left - pad) / k);
    });
    function button(id, f) { var b = document.getElementById(id); if (b) { b.addEventListener("click", f); } }
    button("tl-in", function () { zoom(2, centre()); });
    button("tl-out", function () { zoom(0.5, centre()); });
    button("tl-all", function () { show(0, baseW); });
    window.addEventListener("resize", draw);
    draw();
    return {
      // focus brings operation i into view, zoomed in so that about forty
      // of its durations are visible, and returns its bar.
      focus: function (i) {
        var dur = Math.max(Math.min(ops.e[i], ops.s[i] + ops.medDur) - ops.s[i], ops.medDur);
        var span = Math.min(v1 - v0, Math.max(40 * dur / nspp, minSpan));
        var mid = (ops.s[i] + dur / 2) / nspp;
        show(mid - span / 2, mid + span / 2);
        return document.getElementById("op-" + ops.inv[i]);
      },
      dragged: function () { return svg._dragged; }
    };
  }

  // detailOf is operation i's details: as the page wrote them, or, for an
  // operation the page does not describe in full, from its columns.
  function detailOf(i) {
    if (!ops || i < 0 || i >= ops.n) { return null; }
    if (ops.det[i] >= 0 && details[ops.det[i]]) { return details[ops.det[i]]; }
    var d = ops.d, cls = d.classes[ops.cls[i]].split(" "), end = ops.e[i];
    var key = d.keys[ops.key[i]] || "", node = d.nodes[ops.node[i]] || "";
    var title = d.lanes[ops.lane[i]] + " " + cls[1] + (key ? " " + key : "") + (node ? " via " + node : "") + ": " + cls[0];
    if (ops.lost[i]) { title += " · LOST"; }
    var rows = [["invoked", fmtS(ops.s[i]) + " (event " + ops.inv[i] + ")"],
      ["completed", end === Infinity ? "never (the history ended first)" : fmtS(end) + ", after " + fmtS(end - ops.s[i])],
      ["more", "history.jsonl has the whole operation, from event " + ops.inv[i]]];
    return { title: title, rows: rows };
  }
  function fmtS(ns) { return +(ns / 1e9).toFixed(6) + "s"; }

  function showOp(rect) {
    var d = detailOf(Number(rect.getAttribute("data-i")));
    if (!d || !panel) { return; }
    if (selected) { selected.classList.remove("selected"); }
    selected = rect;
    rect.classList.add("selected");
    document.getElementById("op-title").textContent = d.title;
    var table = document.getElementById("op-rows");
    table.textContent = "";
    (d.rows || []).forEach(function (r) {
      var tr = document.createElement("tr");
      var th = document.createElement("th"); th.textContent = r[0];
      var td = document.createElement("td"); td.textContent = r[1];
      tr.appendChild(th); tr.appendChild(td); table.appendChild(tr);
    });
    var lost = document.getElementById("op-lost");
    lost.textContent = "";
    if (d.lost) {
      var a = document.createElement("a");
      a.href = "#" + d.lost;
      a.textContent = "why this write was lost";
      lost.appendChild(a);
    }
    panel.hidden = false;
  }
  if (svg) {
    svg.addEventListener("click", function (ev) {
      var r = ev.target;
      if (r.classList && r.classList.contains("op") && !(tl && tl.dragged())) { showOp(r); }
    });
  }
  // A bar's tooltip comes from its details when the pointer first reaches
  // it, which keeps a long run's page small.
  document.addEventListener("mouseover", function (ev) {
    var r = ev.target;
    if (!r.classList || !r.classList.contains("op") || r.querySelector("title")) { return; }
    var d = detailOf(Number(r.getAttribute("data-i")));
    if (!d) { return; }
    var t = document.createElementNS(r.namespaceURI, "title");
    t.textContent = d.title;
    r.appendChild(t);
  });
  if (panel) {
    panel.querySelector(".close").addEventListener("click", function () {
      panel.hidden = true;
      if (selected) { selected.classList.remove("selected"); selected = null; }
    });
  }
  // reveal opens every <details> around el.
  function reveal(el) {
    for (var p = el; p; p = p.parentNode) {
      if (p.tagName && p.tagName.toLowerCase() === "details") { p.open = true; }
    }
  }
  function focusOp(id) {
    var i = ops ? ops.byInvoke.get(Number(id.slice(3))) : undefined;
    if (i === undefined || !tl) { return false; }
    var r = tl.focus(i);
    document.getElementById("timeline").scrollIntoView();
    if (r) { showOp(r); }
    return true;
  }
  function follow(id) {
    if (id.indexOf("op-") === 0) { return focusOp(id); }
    var el = document.getElementById(id);
    if (!el) { return false; }
    reveal(el);
    el.scrollIntoView();
    return true;
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a[href^='#']") : null;
    if (!a) { return; }
    if (follow(a.getAttribute("href").slice(1))) { ev.preventDefault(); }
  });
  // A causal graph fits its box; a click shows it at its actual size, to
  // scroll, and back.
  document.querySelectorAll(".graph-scroll").forEach(function (box) {
    box.addEventListener("click", function (ev) {
      if (ev.target.closest && ev.target.closest("a")) { return; }
      box.classList.toggle("actual");
    });
  });
  if (location.hash.length > 1) { follow(location.hash.slice(1)); }
})();
