// The task board's drag and drop: a card goes to another column where the workflow allows it.
// Without this script the card's own status form does the same; a done card opens the reopen dialog,
// which asks for the note (a plain form post, as on the task's page).
(function () {
  "use strict";
  var board = document.querySelector(".board");
  if (!board || !("draggable" in document.createElement("div"))) { return; }
  var csrf = board.getAttribute("data-csrf") || "";
  var dragged = null;
  var hint = document.getElementById("board-hint");
  if (hint && board.querySelector("[draggable=true]")) { hint.hidden = false; }

  function allowed(card, column) {
    var next = (card.getAttribute("data-next") || "").split(" ");
    return next.indexOf(column.getAttribute("data-status")) >= 0;
  }

  function columns() { return board.querySelectorAll("section.column"); }

  board.addEventListener("dragstart", function (ev) {
    var card = ev.target.closest && ev.target.closest("article[draggable=true]");
    if (!card) { return; }
    dragged = card;
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", card.getAttribute("data-key"));
    card.classList.add("dragging");
    columns().forEach(function (col) { if (allowed(card, col)) { col.classList.add("drop-ok"); } });
  });

  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    columns().forEach(function (col) { col.classList.remove("drop-ok", "drop-over"); });
  });

  board.addEventListener("dragover", function (ev) {
    var col = ev.target.closest && ev.target.closest("section.column");
    if (dragged && col && allowed(dragged, col)) {
      ev.preventDefault();
      ev.dataTransfer.dropEffect = "move";
      col.classList.add("drop-over");
    }
  });

  board.addEventListener("dragleave", function (ev) {
    var col = ev.target.closest && ev.target.closest("section.column");
    if (col && !col.contains(ev.relatedTarget)) { col.classList.remove("drop-over"); }
  });

  board.addEventListener("drop", function (ev) {
    var col = ev.target.closest && ev.target.closest("section.column");
    if (!dragged || !col || !allowed(dragged, col)) { return; }
    ev.preventDefault();
    var card = dragged;
    var status = col.getAttribute("data-status");
    if (card.hasAttribute("data-reopen")) { reopen(card, status); return; }
    move(card, status);
  });

  function move(card, status) {
    var data = new FormData();
    data.append("csrf_token", csrf);
    data.append("version", card.getAttribute("data-version"));
    data.append("status", status);
    fetch(card.getAttribute("data-action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    }).then(function () {
      // Moved or refused (someone moved it meanwhile), the board shows the server's truth.
      window.location.reload();
    }).catch(function () { window.location.reload(); });
  }

  function reopen(card, status) {
    var dialog = document.getElementById("reopen-dialog");
    var form = document.getElementById("reopen-form");
    if (!dialog || !form || !dialog.showModal) { window.location.href = card.querySelector("a.key").href + "#move"; return; }
    form.action = card.getAttribute("data-action");
    form.querySelector("input[name=version]").value = card.getAttribute("data-version");
    form.querySelector("input[name=status]").value = status;
    dialog.showModal();
    form.querySelector("textarea").focus();
  }

  document.addEventListener("click", function (ev) {
    var close = ev.target.closest && ev.target.closest("[data-close]");
    if (close) { close.closest("dialog").close(); }
  });
})();
