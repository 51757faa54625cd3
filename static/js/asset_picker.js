// The asset picker of the fault and emergency report forms: only the chosen project's assets
// are offered (each option names its project in data-project); an asset of another project,
// chosen before the project changed, is cleared.
(function () {
  var project = document.getElementById("id_project");
  var asset = document.getElementById("id_asset");
  if (!project || !asset) return;
  function filter() {
    var chosen = project.value;
    Array.prototype.forEach.call(asset.options, function (option) {
      if (!option.dataset.project) return; // the empty choice
      var other = chosen !== "" && option.dataset.project !== chosen;
      option.hidden = other;
      option.disabled = other;
      if (other && option.selected) asset.value = "";
    });
  }
  project.addEventListener("change", filter);
  filter();
})();
