// The article form: the projects an article is limited to matter only when it is for
// customers, so their checkboxes show only then.
(function () {
  var visibility = document.getElementById("id_visibility");
  var projects = document.getElementById("article-projects");
  if (!visibility || !projects) return;
  function toggle() {
    projects.hidden = visibility.value !== projects.dataset.visibilityShown;
  }
  visibility.addEventListener("change", toggle);
  toggle();
})();
