// Live SLA countdowns: every element with data-due counts down each second; the words come
// translated from the page (data-label-due, data-label-overdue).
// Screen readers: the ticking badges are timers (role="timer", aria-live="off"), never announced
// on their own; one polite live region says a clock's new state when it changes while the page
// is open (less than an hour left, then overdue), so a reader hears it once, not every second.
(function () {
  var WARNING = 3600;
  var announcer = null;
  var states = new WeakMap();

  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function format(seconds) {
    var s = Math.abs(seconds), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600),
        m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (d ? d + "d " : "") + pad(h) + ":" + pad(m) + ":" + pad(sec);
  }
  function announce(message) {
    if (!announcer) {
      announcer = document.createElement("div");
      announcer.id = "sla-announcer";
      announcer.className = "visually-hidden";
      announcer.setAttribute("role", "status");
      announcer.setAttribute("aria-live", "polite");
      announcer.setAttribute("aria-atomic", "true");
      document.body.appendChild(announcer);
    }
    announcer.textContent = message;
  }
  function tick() {
    var now = Date.now(), changed = [];
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.due) - now) / 1000);
      var text = el.querySelector(".sla-text");
      if (!text) return;
      if (el.getAttribute("role") !== "timer") {
        el.setAttribute("role", "timer");
        el.setAttribute("aria-live", "off");
      }
      text.textContent = (left >= 0 ? el.dataset.labelDue : el.dataset.labelOverdue) + " " + format(left);
      var state = left < 0 ? "breached" : left < WARNING ? "warning" : "running";
      el.classList.toggle("text-bg-danger", state === "breached");
      el.classList.toggle("text-bg-warning", state === "warning");
      el.classList.toggle("text-bg-light", state === "running");
      var before = states.get(el);
      states.set(el, state);
      if (before && before !== state) changed.push(el.textContent.replace(/\s+/g, " ").trim());
    });
    if (changed.length) announce(changed.join(". "));
  }
  tick();
  setInterval(tick, 1000);
})();
