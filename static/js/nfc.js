// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  // After a form comes back with errors, take keyboard and screen-reader
  // users straight to the summary that lists them.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
});
