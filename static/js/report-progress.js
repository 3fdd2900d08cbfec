// A report's page while it is built: asks for its status every second and
// moves the bar; once the report is finished, loads the page again to show
// its downloads (or why it failed). Without JavaScript the page asks to be
// refreshed (it says so until this script hides the words).
(function () {
  "use strict";
  var section = document.querySelector(".report-progress[data-status-url]");
  if (!section) return;
  var url = section.getAttribute("data-status-url");
  var bar = document.getElementById("report-bar");
  var stage = document.getElementById("report-stage");
  var status = document.getElementById("report-status");
  var live = document.getElementById("report-live");
  var lastStage = null;
  var refresh = document.getElementById("report-refresh");
  if (refresh) refresh.hidden = true;
  var failures = 0;

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    status.textContent = data.status_label;
    var words = data.stage_label
      ? "Stage " + (data.stages_done + 1) + " of " + data.stages + ": " + data.stage_label
      : data.status_label;
    stage.textContent = words;
    if (data.stage !== lastStage) {
      // Said once a stage, not every second, to people using screen readers.
      live.textContent = words;
      lastStage = data.stage;
    }
  }

  function ask() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (data.finished) {
          bar.value = 100;
          live.textContent = data.status === "done" ? "The report is ready." : "The report could not be built.";
          window.setTimeout(function () { window.location.reload(); }, 600);
        } else {
          window.setTimeout(ask, 1000);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures > 5) {
          live.textContent = "This page has stopped updating: refresh it to see how far the report has got.";
          return;
        }
        window.setTimeout(ask, 2000 * failures);
      });
  }

  window.setTimeout(ask, 1000);
})();
