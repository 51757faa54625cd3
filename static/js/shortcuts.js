// Keyboard shortcuts (docs/keyboard-and-live-updates.md). The queue: j/k next/previous row,
// Enter/o open, x select. A ticket: r reply, n internal note, a assign to me (staff), j/k the
// next/previous ticket of the queue the reader came from (its order kept in sessionStorage when
// the queue is drawn). Everywhere: ? lists them in a modal <dialog> (it holds the focus; Escape
// closes it). Keys typed into a field, or with Ctrl, Alt or Meta, are left alone.
(function () {
  "use strict";
  var QUEUE_KEY = "servicedesk.queue";
  var dialog = document.getElementById("shortcuts-dialog");
  var opener = document.getElementById("shortcuts-open");
  var table = document.getElementById("tickets");
  var ticket = document.getElementById("live-ticket");
  var detail = /\/tickets\/(\d+)\/$/;

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function ticketLink(row) {
    var links = row.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i++) {
      if (detail.test(links[i].getAttribute("href").split("?")[0])) return links[i];
    }
    return null;
  }

  // --- the list -------------------------------------------------------------------------
  function openDialog() {
    if (!dialog || dialog.open) return;
    dialog.showModal();
    var close = document.getElementById("shortcuts-close");
    if (close) close.focus();
  }
  if (opener && dialog) {
    opener.hidden = false;
    opener.addEventListener("click", openDialog);
    dialog.addEventListener("close", function () { opener.focus(); });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close();  // a click on the backdrop
    });
  }

  // --- the queue ------------------------------------------------------------------------
  function queueRows() {
    if (!table || !table.tBodies.length) return [];
    return Array.prototype.filter.call(table.tBodies[0].rows, function (row) { return ticketLink(row); });
  }

  function rememberQueue() {
    var links = queueRows().map(function (row) { return ticketLink(row).getAttribute("href"); });
    try {
      sessionStorage.setItem(QUEUE_KEY, JSON.stringify({ url: location.pathname + location.search, links: links }));
    } catch (error) { /* storage full or refused: j/k on a ticket just do nothing */ }
  }

  function currentRow(rows) {
    for (var i = 0; i < rows.length; i++) if (rows[i].classList.contains("live-current")) return i;
    var focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest("tr") : null;
    return rows.indexOf(focused);
  }

  function moveInQueue(step) {
    var rows = queueRows();
    if (!rows.length) return;
    var at = currentRow(rows), next = at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + step));
    rows.forEach(function (row) { row.classList.remove("live-current"); row.removeAttribute("aria-current"); });
    rows[next].classList.add("live-current");
    rows[next].setAttribute("aria-current", "true");
    ticketLink(rows[next]).focus();
  }

  function queueKey(key) {
    var rows = queueRows(), at = currentRow(rows);
    if (key === "j") moveInQueue(1);
    else if (key === "k") moveInQueue(-1);
    else if ((key === "o" || key === "Enter") && at >= 0) window.location.assign(ticketLink(rows[at]).href);
    else if (key === "x" && at >= 0) {
      var box = rows[at].querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
    } else return false;
    return true;
  }

  if (table) {
    rememberQueue();
    document.addEventListener("live:queue-updated", rememberQueue);
  }

  // --- a ticket -------------------------------------------------------------------------
  function focusReply(isPublic) {
    var body = document.querySelector("#reply-form textarea[name=body]");
    if (!body) return false;
    var visible = document.querySelector("#reply-form input[name=public]");
    if (visible) visible.checked = isPublic;
    body.scrollIntoView({ block: "center" });
    body.focus();
    return true;
  }

  function assignToMe() {
    var form = document.getElementById("assign-form");
    var select = form ? form.querySelector("select[name=assignee]") : null;
    if (!select || !ticket) return false;
    var me = ticket.dataset.userId;
    if (!select.querySelector('option[value="' + me + '"]')) return false;
    select.value = me;
    form.requestSubmit ? form.requestSubmit() : form.submit();
    return true;
  }

  function otherTicket(step) {
    var stored;
    try { stored = JSON.parse(sessionStorage.getItem(QUEUE_KEY) || "null"); } catch (error) { stored = null; }
    if (!stored || !stored.links) return false;
    var at = stored.links.indexOf(location.pathname);
    var next = stored.links[at + step];
    if (at < 0 || !next) return false;
    window.location.assign(next);
    return true;
  }

  function ticketKey(key) {
    if (key === "r") return focusReply(true);
    if (key === "n") return document.querySelector("#reply-form input[name=public]") ? focusReply(false) : false;
    if (key === "a") return assignToMe();
    if (key === "j") return otherTicket(1);
    if (key === "k") return otherTicket(-1);
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(event.target) || (dialog && dialog.open)) return;
    var key = event.key;
    if (key === "?") { openDialog(); event.preventDefault(); return; }
    // Enter on a focused link or button already does what it says
    if (key === "Enter" && event.target.closest && event.target.closest("a, button")) return;
    var done = table ? queueKey(key) : ticket ? ticketKey(key) : false;
    if (done) event.preventDefault();
  });
})();
