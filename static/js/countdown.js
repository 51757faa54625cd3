// Live SLA countdowns: every element with data-due counts down each second; the words come
// translated from the page (data-label-due, data-label-overdue).
(function () {
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function format(seconds) {
    var s = Math.abs(seconds), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600),
        m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (d ? d + "d " : "") + pad(h) + ":" + pad(m) + ":" + pad(sec);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.due) - now) / 1000);
      var text = el.querySelector(".sla-text");
      if (!text) return;
      text.textContent = (left >= 0 ? el.dataset.labelDue : el.dataset.labelOverdue) + " " + format(left);
      el.classList.toggle("text-bg-danger", left < 0);
      el.classList.toggle("text-bg-warning", left >= 0 && left < 3600);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
