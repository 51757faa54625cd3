// The import job page: poll the job's progress every second until it is done, then reload
// the page for the final report.
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  if (!bar || !bar.dataset.poll) { return; }
  var text = document.getElementById("import-progress-text");
  var status = document.getElementById("import-status");
  var template = text.textContent.replace(/\d+%/, "{n}%");
  function poll() {
    fetch(bar.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.setAttribute("aria-valuenow", String(data.progress));
        bar.firstElementChild.style.width = data.progress + "%";
        text.textContent = template.replace("{n}", String(data.progress));
        status.textContent = data.status_label;
        if (data.status === "done" || data.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
