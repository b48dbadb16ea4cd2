// Small helpers: filters submit on change; status forms post in place with the CSRF token and the version.
(function () {
  "use strict";
  var csrf = document.body.getAttribute("data-csrf") || "";

  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); }
    if (el.hasAttribute && el.hasAttribute("data-autosubmit-inline") && el.form) { send(el.form); }
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.hasAttribute("data-inline-status")) { ev.preventDefault(); send(form); }
  });

  function send(form) {
    var box = form.closest("article, tr") || form;
    var data = new FormData(form);
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    }).then(function (resp) {
      return resp.json().then(function (body) { return { ok: resp.ok, status: resp.status, body: body }; });
    }).then(function (r) {
      if (r.ok) {
        // The board regroups cards by status: reload keeps the page honest (server-rendered truth).
        if (box.tagName === "ARTICLE") { window.location.reload(); return; }
        form.querySelector("input[name=version]").value = r.body.version;
        rebuild(form.querySelector("select[name=status]"), r.body.status, r.body.next_statuses || [], r.body.labels);
        flash(box, true, "");
      } else {
        var cur = r.body.current;
        if (cur && cur.version !== undefined) {
          form.querySelector("input[name=version]").value = cur.version;
          rebuild(form.querySelector("select[name=status]"), cur.status, [], r.body.labels);
        }
        flash(box, false, r.body.error || ("error " + r.status));
      }
    }).catch(function () { form.submit(); });
  }

  // Options in the page's language: the server sends each status's label with the new statuses.
  function rebuild(select, current, next, labels) {
    if (!select) { return; }
    var word = function (s) { return (labels && labels[s]) || s.replace(/[-_]/g, " "); };
    select.innerHTML = "";
    var o = document.createElement("option");
    o.value = current; o.textContent = word(current); o.selected = true;
    select.appendChild(o);
    next.forEach(function (s) {
      var n = document.createElement("option");
      n.value = s; n.textContent = "\u2192 " + word(s);
      select.appendChild(n);
    });
  }

  function flash(box, ok, msg) {
    box.classList.remove("flash-ok", "flash-bad");
    box.classList.add(ok ? "flash-ok" : "flash-bad");
    var old = box.querySelector(".msg");
    if (old) { old.remove(); }
    if (msg) {
      var m = document.createElement("div");
      m.className = "msg"; m.setAttribute("role", "alert"); m.textContent = msg;
      (box.querySelector("td.st") || box).appendChild(m);
    }
  }
})();
