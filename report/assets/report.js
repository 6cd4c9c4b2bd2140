// Click an operation on the timeline to see its details; follow links to
// the timeline to highlight the operation.
(function () {
  "use strict";
  var details = [];
  try { details = JSON.parse(document.getElementById("details").textContent) || []; } catch (e) { details = []; }
  var panel = document.getElementById("op-detail");
  var selected = null;
  function show(rect) {
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
      a.addEventListener("click", function () { var s = document.getElementById(d.lost); if (s) { s.open = true; } });
      lost.appendChild(a);
    }
    panel.hidden = false;
  }
  document.querySelectorAll("rect.op").forEach(function (r) {
    r.addEventListener("click", function () { show(r); });
  });
  if (panel) {
    panel.querySelector(".close").addEventListener("click", function () {
      panel.hidden = true;
      if (selected) { selected.classList.remove("selected"); selected = null; }
    });
  }
  function focusOp(id) {
    var r = document.getElementById(id);
    if (!r || r.tagName.toLowerCase() !== "rect") { return; }
    var scroll = document.querySelector(".tl-scroll");
    if (scroll) { scroll.scrollLeft = Math.max(0, Number(r.getAttribute("x")) - scroll.clientWidth / 2); }
    document.getElementById("timeline").scrollIntoView();
    show(r);
  }
  document.querySelectorAll("a.goto").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      var id = (a.getAttribute("href") || "").slice(1);
      if (document.getElementById(id)) { ev.preventDefault(); focusOp(id); }
    });
  });
  if (location.hash.indexOf("#op-") === 0) { focusOp(location.hash.slice(1)); }
})();
