// The report's own script, no library: the timeline zooms (wheel, buttons)
// and pans (drag); click an operation to see its details; links to an
// operation or a lost write open what hides it and bring it into view.
(function () {
  "use strict";
  var details = [];
  try { details = JSON.parse(document.getElementById("details").textContent) || []; } catch (e) { details = []; }
  var panel = document.getElementById("op-detail");
  var selected = null;

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
    var rects = Array.prototype.slice.call(svg.querySelectorAll("rect.op, rect.shade, g.interval rect"));
    rects.forEach(function (r) { r._x = Number(r.getAttribute("x")); r._w = Number(r.getAttribute("width")); });
    var labels = Array.prototype.slice.call(svg.querySelectorAll("g.interval text.label"));
    labels.forEach(function (t) {
      t._x = Number(t.getAttribute("x"));
      t._w = Number(t.parentNode.querySelector("rect").getAttribute("width"));
      t._need = 6 * t.textContent.length;
    });
    var instants = Array.prototype.slice.call(svg.querySelectorAll("g.instant"));
    instants.forEach(function (g) { g._x = Number(g.querySelector("line").getAttribute("x1")); });
    var marks = Array.prototype.slice.call(svg.querySelectorAll("path.lostmark"));
    marks.forEach(function (m) {
      var p = /M([\d.]+) ([\d.]+)/.exec(m.getAttribute("d")) || [0, 0, 0];
      m._x = Number(p[1]); m._y = Number(p[2]);
    });
    var widths = rects.filter(function (r) { return r.classList.contains("op"); }).map(function (r) { return r._w; }).sort(function (a, b) { return a - b; });
    var medianW = widths.length ? widths[widths.length >> 1] : 4;
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
    function draw() {
      var W = Math.max(200, scroll.clientWidth);
      svg.setAttribute("width", W);
      k = (W - 2 * pad) / (v1 - v0);
      rects.forEach(function (r) {
        r.setAttribute("x", X(r._x).toFixed(1));
        r.setAttribute("width", Math.max(1, r._w * k).toFixed(1));
      });
      labels.forEach(function (t) {
        // A label sits at the visible start of its interval, if it fits.
        var a = Math.max(X(t._x), 0), b = Math.min(X(t._x + t._w), W);
        t.setAttribute("x", a.toFixed(1));
        t.classList.toggle("narrow", b - a < t._need);
      });
      instants.forEach(function (g) {
        var x = X(g._x).toFixed(1);
        var l = g.querySelector("line"); l.setAttribute("x1", x); l.setAttribute("x2", x);
        g.querySelector("circle").setAttribute("cx", x);
        var t = g.querySelector("text"); if (t) { t.setAttribute("x", x); }
      });
      // Too dense to tell bars apart: lost writes keep their outline only.
      svg.classList.toggle("dense", medianW * k < 3);
      marks.forEach(function (m) { m.setAttribute("d", "M" + X(m._x).toFixed(1) + " " + m._y + " l-4 -5 h8 z"); });
      Array.prototype.forEach.call(lanes, function (l) { l.setAttribute("x2", W); });
      if (ticks) {
        ticks.textContent = "";
        var from = v0 * nspp, to = v1 * nspp;
        var step = niceStep((to - from) * 110 / (W - 2 * pad));
        for (var t = Math.ceil(from / step) * step; t <= to; t += step) {
          var x = X(pad + t / nspp).toFixed(1);
          var line = document.createElementNS(NS, "line");
          line.setAttribute("class", "tick"); line.setAttribute("x1", x); line.setAttribute("x2", x);
          line.setAttribute("y1", 16); line.setAttribute("y2", bottom);
          var text = document.createElementNS(NS, "text");
          text.setAttribute("class", "tick"); text.setAttribute("x", x); text.setAttribute("y", 12);
          text.textContent = fmt(t);
          ticks.appendChild(line); ticks.appendChild(text);
        }
      }
      svg.setAttribute("data-from", Math.round(v0 * nspp));
      svg.setAttribute("data-to", Math.round(v1 * nspp));
      if (range) { range.textContent = "showing " + fmt(Math.round(v0 * nspp)) + " to " + fmt(Math.round(v1 * nspp)) + " of " + fmt(Math.round(baseW * nspp)); }
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
    function button(id, f) { var b = document.getElementById(id); if (b) { b.addEventListener("click", f); } }
    button("tl-in", function () { zoom(2, centre()); });
    button("tl-out", function () { zoom(0.5, centre()); });
    button("tl-all", function () { show(0, baseW); });
    window.addEventListener("resize", draw);
    draw();
    return {
      // focus brings an operation's bar into view, zoomed in so that
      // about a hundred bars' worth of time is visible.
      focus: function (r) {
        var span = Math.min(v1 - v0, Math.max(40 * Math.max(r._w, 4), minSpan * 50));
        var mid = r._x - pad + r._w / 2;
        show(mid - span / 2, mid + span / 2);
      },
      dragged: function () { return svg._dragged; }
    };
  }

  function showOp(rect) {
    var d = details[Number(rect.getAttribute("data-i"))];
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
  document.querySelectorAll("rect.op").forEach(function (r) {
    r.addEventListener("click", function () { if (!(tl && tl.dragged())) { showOp(r); } });
  });
  // A bar's tooltip comes from its details when the pointer first reaches
  // it, which keeps a long run's page small.
  document.addEventListener("mouseover", function (ev) {
    var r = ev.target;
    if (!r.classList || !r.classList.contains("op") || r.querySelector("title")) { return; }
    var d = details[Number(r.getAttribute("data-i"))];
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
    var r = document.getElementById(id);
    if (!r || r.tagName.toLowerCase() !== "rect") { return false; }
    if (tl) { tl.focus(r); }
    document.getElementById("timeline").scrollIntoView();
    showOp(r);
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
