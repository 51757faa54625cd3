// Live pages by conditional polling (docs/keyboard-and-live-updates.md): the ticket page asks
// for the entries after the newest it shows, the queue for its rows changed since it last asked.
// Every 5 s while the tab is visible, every 60 s while it is hidden; after an error it waits
// longer each time (up to 5 min) and stops on 401/403/404. What arrives is announced once, politely.
(function () {
  "use strict";
  var VISIBLE_MS = 5000, HIDDEN_MS = 60000, MAX_BACKOFF_MS = 300000;
  var announcer = document.getElementById("live-announcer");
  var lastAnnounced = 0;

  function announce(text) {
    if (!announcer || !text) return;
    // one message at a time, at most every 2 s: a burst of changes is summed up by the caller
    var wait = Math.max(0, lastAnnounced + 2000 - Date.now());
    lastAnnounced = Date.now() + wait;
    setTimeout(function () {
      announcer.textContent = "";
      setTimeout(function () { announcer.textContent = text; }, 50);
    }, wait);
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function badge(label) {
    var span = document.createElement("span");
    span.className = "badge text-bg-info ms-1 live-badge";
    span.textContent = label;
    return span;
  }

  // The loop: ``tick`` returns a promise; errors back off, a 401/403/404 stops.
  function poller(tick) {
    var timer = null, failures = 0, stopped = false, running = null;
    function delay() {
      if (failures) return Math.min(MAX_BACKOFF_MS, VISIBLE_MS * Math.pow(2, failures));
      return document.visibilityState === "hidden" ? HIDDEN_MS : VISIBLE_MS;
    }
    function schedule() {
      clearTimeout(timer);
      if (!stopped) timer = setTimeout(run, delay());
    }
    function run() {
      if (stopped) return Promise.resolve();
      if (running) return running;  // the poll under way answers a caller that asks now
      clearTimeout(timer);
      running = tick().then(function () { failures = 0; }, function (error) {
        if (error && error.fatal) stopped = true;
        failures += 1;
      }).then(function () { running = null; schedule(); });
      return running;
    }
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && !failures) run(); else schedule();
    });
    schedule();
    return { now: run };
  }

  function get(url, headers) {
    headers = Object.assign({ "Accept": "application/json", "X-Requested-With": "fetch" }, headers || {});
    return fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" }).then(function (response) {
      if ([401, 403, 404].indexOf(response.status) >= 0 || response.redirected) {
        var error = new Error("stopped: " + response.status);
        error.fatal = true;
        throw error;
      }
      if (response.status >= 400) throw new Error("failed: " + response.status);
      return response;
    });
  }

  // --- the ticket page ---------------------------------------------------------------------
  function liveTicket(root) {
    var url = root.dataset.url, last = parseInt(root.dataset.last, 10) || 0, etag = null;
    var timeline = document.getElementById("timeline");
    var form = document.getElementById("reply-form");
    var seenInput = form ? form.querySelector("input[name=seen]") : null;
    var warnings = [];  // entries from others that a reply written before them should not ignore
    var state = { status: root.dataset.status };

    function updateHeader(ticket) {
      var status = document.getElementById("ticket-status");
      var priority = document.getElementById("ticket-priority");
      var assignee = document.getElementById("assignee");
      if (status) status.textContent = ticket.status_label;
      if (priority) {
        priority.textContent = ticket.priority_label;
        priority.className = priority.className.replace(/\bpriority-\w+/, "priority-" + ticket.priority);
      }
      if (assignee) assignee.textContent = ticket.assignee;
      if (state && state.status !== ticket.status) {
        var reload = document.getElementById("live-reload");
        if (reload) reload.hidden = false;
      }
      state = ticket;
    }

    function apply(data) {
      var announcements = [];
      data.entries.forEach(function (entry) {
        if (timeline.querySelector('[data-event-id="' + entry.id + '"]')) return;
        var element = fragment(entry.html);
        if (!element) return;
        element.classList.add("border", "border-info", "live-new");
        var first = element.querySelector(".text-body-secondary") || element;
        first.appendChild(badge(root.dataset.newLabel));
        timeline.appendChild(element);
        if (entry.warns) warnings.push({ id: entry.id, html: entry.html });
        if (entry.announcement) announcements.push(entry.announcement);
      });
      last = Math.max(last, data.last);
      updateHeader(data.ticket);
      if (announcements.length === 1) announce(announcements[0]);
      else if (announcements.length > 1) {
        announce(announcements.length + " " + root.dataset.entriesLabel + ": " + announcements.slice(0, 3).join("; "));
      }
    }

    function tick() {
      var headers = etag ? { "If-None-Match": etag } : {};
      return get(url + "?since=" + last, headers).then(function (response) {
        if (response.status === 204 || response.status === 304) return;
        etag = response.headers.get("ETag");
        return response.json().then(apply);
      });
    }

    var loop = poller(tick);
    if (!form || !seenInput) return;

    // before a reply goes: anything newer from others than what the form says it saw?
    form.addEventListener("submit", function (event) {
      if (form.dataset.liveChecked === "1") return;
      event.preventDefault();
      loop.now().then(function () {
        var seen = parseInt(seenInput.value, 10) || 0;
        var unseen = warnings.filter(function (entry) { return entry.id > seen; });
        if (!unseen.length) { submit(); return; }
        warn(unseen);
      });
    });

    function submit() {
      form.dataset.liveChecked = "1";
      HTMLFormElement.prototype.submit.call(form);
    }

    function warn(unseen) {
      var old = document.getElementById("reply-stale");
      if (old) old.remove();
      var box = document.getElementById("live-stale-template").content.firstElementChild.cloneNode(true);
      var list = box.querySelector("#reply-stale-entries");
      unseen.forEach(function (entry) { list.appendChild(fragment(entry.html)); });
      box.querySelector("#send-anyway").addEventListener("click", function () {
        seenInput.value = String(last);
        submit();
      });
      form.insertBefore(box, form.firstElementChild.nextSibling);
      box.querySelector("h3").focus();
    }
  }

  // --- the queue ---------------------------------------------------------------------------
  function liveQueue(root) {
    var url = root.dataset.url, since = root.dataset.since, versions = {};
    var table = document.getElementById("tickets");
    if (!table) return;
    var tbody = table.tBodies[0];
    var detail = /\/tickets\/(\d+)\/$/;

    function rowId(row) {
      var links = row.querySelectorAll("a[href]");
      for (var i = 0; i < links.length; i++) {
        var found = detail.exec(links[i].getAttribute("href").split("?")[0]);
        if (found) return found[1];
      }
      return null;
    }

    function rowsById() {
      var rows = {};
      Array.prototype.forEach.call(tbody.rows, function (row) {
        var id = rowId(row);
        if (id) rows[id] = row;
      });
      return rows;
    }

    // what a row says, its countdowns aside (they tick in the page, not in the answer)
    function signature(row) {
      var copy = row.cloneNode(true), dues = [];
      copy.querySelectorAll(".sla-text").forEach(function (text) { text.textContent = ""; });
      copy.querySelectorAll(".live-badge").forEach(function (badge) { badge.remove(); });
      copy.querySelectorAll("[data-due]").forEach(function (clock) { dues.push(clock.dataset.due); });
      return copy.textContent.replace(/\s+/g, " ").trim() + "|" + dues.join(",");
    }

    function apply(data) {
      var rows = rowsById(), changed = 0;
      data.rows.forEach(function (item) {
        var known = versions[item.id];
        if (known && known >= item.version) return;
        versions[item.id] = item.version;
        var row = fragment(item.html), old = rows[item.id];
        if (!row) return;
        // the first answer looks a little before the page was drawn: a row it already shows as
        // it is now has not changed
        if (!known && old && signature(old) === signature(row)) return;
        if (old) {
          // keep what the reader did to the row: its selection, the keyboard's place
          var oldBox = old.querySelector("input[type=checkbox]"), box = row.querySelector("input[type=checkbox]");
          if (oldBox && box) box.checked = oldBox.checked;
          if (old.classList.contains("live-current")) row.classList.add("live-current");
          old.replaceWith(row);
        } else {
          tbody.appendChild(row);
        }
        var cell = row.querySelector("a[href]");
        if (cell) cell.parentNode.appendChild(badge(old ? root.dataset.changedLabel : root.dataset.newLabel));
        row.classList.add("live-new");  // a bar at its start, and the badge: not a colour alone
        rows[item.id] = row;
        changed += 1;
      });
      data.gone.forEach(function (id) {
        if (rows[id]) { rows[id].remove(); delete rows[id]; changed += 1; }
      });
      // the page's order, as the queue sorts it now
      var current = rowsById();
      data.order.forEach(function (id) { if (current[id]) tbody.appendChild(current[id]); });
      Array.prototype.forEach.call(tbody.rows, function (row) {
        if (!rowId(row) && Object.keys(current).length) row.remove();  // "No tickets."
      });
      if (changed) {
        var text = (changed === 1 ? root.dataset.one : root.dataset.many).replace(/\d+/, String(changed));
        announce(text);
        document.dispatchEvent(new CustomEvent("live:queue-updated"));
      }
    }

    function tick() {
      var params = new URLSearchParams(window.location.search);
      params.set("since", since);
      return get(url + "?" + params.toString()).then(function (response) {
        var cursor = response.headers.get("X-Live-Cursor");
        if (response.status === 204) { if (cursor) since = cursor; return; }
        return response.json().then(function (data) { since = data.cursor; apply(data); });
      });
    }

    poller(tick);
  }

  var ticket = document.getElementById("live-ticket");
  if (ticket) liveTicket(ticket);
  var queue = document.getElementById("live-queue");
  if (queue) liveQueue(queue);
})();
