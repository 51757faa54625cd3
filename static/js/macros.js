// The macro picker of the ticket page (templates/tickets/_macro_picker.html): the text box
// keeps the macros whose name or text holds every word typed; choosing one shows its preview
// (htmx); "Insert into reply" puts the previewed text into the reply box to edit and send.
(function () {
  var filter = document.getElementById("macro-filter");
  var select = document.getElementById("macro-select");
  if (!filter || !select) return;

  function visible() {
    return Array.prototype.filter.call(select.options, function (option) { return !option.hidden; });
  }

  filter.addEventListener("input", function () {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(select.options, function (option) {
      var text = (option.dataset.search || option.textContent).toLowerCase();
      var keep = words.every(function (word) { return text.indexOf(word) !== -1; });
      option.hidden = !keep;
      option.disabled = !keep;
    });
  });

  filter.addEventListener("keydown", function (event) {
    // Enter or the down arrow: to the first macro left (Enter does not send the form)
    if (event.key === "Enter" || event.key === "ArrowDown") {
      event.preventDefault();
      var first = visible()[0];
      if (!first) return;
      if (select.value !== first.value) {
        select.value = first.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      select.focus();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("#macro-insert");
    if (!button) return;
    var body = document.getElementById("id_body");
    if (!body) return;
    var text = button.dataset.text || "";
    body.value = body.value.trim() ? body.value.replace(/\s+$/, "") + "\n\n" + text : text;
    var card = document.getElementById("macro-preview-card");
    var visibleBox = document.getElementById("id_public");
    if (card && visibleBox) visibleBox.checked = card.dataset.public === "true";
    body.dispatchEvent(new Event("input", { bubbles: true }));
    body.focus();
  });
})();
