// The Gantt: drag a task not started to a new start day; the page's hidden form posts it (the same
// form a bar's link opens without JavaScript), and the server pins the start and replans.
(function () {
  "use strict";
  var chart = document.querySelector("#gantt svg.gantt:not(.lanes)");
  var form = document.getElementById("gantt-move");
  if (!chart || !form) { return; }
  var zoom = parseFloat(chart.getAttribute("data-zoom")) || 1;
  var DAY = 86400000;
  var drag = null;

  function scale() { return chart.getBoundingClientRect().width / chart.viewBox.baseVal.width || 1; }

  chart.addEventListener("pointerdown", function (ev) {
    var bar = ev.target.closest && ev.target.closest("[data-start]");
    if (!bar || ev.button !== 0) { return; }
    drag = { bar: bar, x: ev.clientX, days: 0, moved: false };
    bar.setPointerCapture(ev.pointerId);
  });

  chart.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    var dx = (ev.clientX - drag.x) / scale();
    drag.days = Math.round(dx / zoom);
    if (Math.abs(dx) > 3) { drag.moved = true; drag.bar.classList.add("dragging"); }
    drag.bar.setAttribute("transform", "translate(" + (drag.days * zoom) + ",0)");
  });

  function end(ev) {
    if (!drag) { return; }
    var d = drag;
    drag = null;
    d.bar.classList.remove("dragging");
    if (d.moved) { d.bar.classList.add("dragged"); }
    if (!d.moved || d.days === 0) { d.bar.removeAttribute("transform"); return; }
    ev.preventDefault();
    var start = new Date(d.bar.getAttribute("data-start") + "T00:00:00Z");
    var day = new Date(start.getTime() + d.days * DAY).toISOString().slice(0, 10);
    form.action = form.getAttribute("data-action") + encodeURIComponent(d.bar.getAttribute("data-key")) + "/start";
    form.querySelector("input[name=start]").value = day;
    form.submit();
  }
  chart.addEventListener("pointerup", end);
  chart.addEventListener("pointercancel", function () {
    if (drag) { drag.bar.removeAttribute("transform"); drag.bar.classList.remove("dragging"); drag = null; }
  });
  // A drag is not a click: the bar's link would open the "start on" page.
  chart.addEventListener("click", function (ev) {
    var bar = ev.target.closest && ev.target.closest("[data-start]");
    if (bar && bar.classList.contains("dragged")) { ev.preventDefault(); bar.classList.remove("dragged"); }
  }, true);
})();
