// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  // After a form comes back with errors, take keyboard and screen-reader
  // users straight to the summary that lists them.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
  // A "Copy" button for a value shown once (a new API token): offered only
  // where the browser lets a page write to the clipboard.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var said = document.getElementById(button.getAttribute("data-copy") + "-copied");
    if (!source || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(
        function () { if (said) { said.textContent = "Copied. Paste it where your script keeps its secrets."; } },
        function () { source.select(); if (said) { said.textContent = "Could not copy: the token is selected, copy it with your keyboard."; } }
      );
    });
  });
});
