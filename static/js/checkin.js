// Check-in on a phone: each tick is one small POST, sent in the background,
// and the person's row says when it has been saved (or that it was not, so
// the tick can be sent again). Without this script each tick is a plain
// form that comes back to the list. Typing in the search box narrows the
// list at once, with no round trip.
(function () {
  "use strict";
  var TIMEOUT_MS = 30000;

  function updateCount(row) {
    var count = document.getElementById("checkin-count");
    if (!count || !row.dataset.came) {
      return;
    }
    var walkIns = Number(row.dataset.walkIns);
    count.textContent = row.dataset.came + " checked in" +
      (walkIns ? " (" + walkIns + " of them walk-in" + (walkIns === 1 ? "" : "s") + ")" : "") +
      "; " + row.dataset.expected + " registered.";
  }

  // One live region for the page, there from the start, so that screen
  // readers hear each outcome (a row's own text is new on every save).
  function announce(words) {
    var region = document.getElementById("checkin-announce");
    if (region) {
      region.textContent = words;
    }
  }

  function failed(row, form, words) {
    var status = row.querySelector(".checkin-status");
    status.textContent = "";
    var strong = document.createElement("strong");
    strong.className = "checkin-error";
    strong.textContent = words;
    status.appendChild(strong);
    form.querySelector("button").disabled = false;
    row.classList.remove("is-saving");
    announce(row.querySelector(".checkin-name").textContent + ": " + words);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-checkin]") || !window.fetch || !window.FormData) {
      return;
    }
    event.preventDefault();
    var row = form.closest(".checkin-row");
    var button = form.querySelector("button");
    if (button.disabled) {
      return;
    }
    button.disabled = true;
    row.classList.add("is-saving");
    row.querySelector(".checkin-status").textContent = "Saving…";
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-NfC-Fragment": "row" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.text().then(function (html) {
        if (timer) {
          clearTimeout(timer);
        }
        var holder = document.createElement("ul");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        if (!fresh || !fresh.classList.contains("checkin-row")) {
          // Not our answer: signed out, say, and sent to the sign-in page.
          failed(row, form, "Not saved: reload the page (you may need to sign in again), then try again.");
          return;
        }
        row.replaceWith(fresh);
        updateCount(fresh);
        announce(fresh.querySelector(".checkin-name").textContent + ": " +
          fresh.querySelector(".checkin-status").textContent.replace("\u2713", "").replace(/\s+/g, " ").trim());
        var next = fresh.querySelector("button");
        if (next) {
          next.focus();
        }
      });
    }).catch(function () {
      failed(row, form, "Not saved: the connection dropped. Press the button again.");
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    var search = document.querySelector("[data-checkin-search]");
    var shown = document.getElementById("checkin-shown");
    var none = document.querySelector("[data-checkin-none]");
    if (!search) {
      return;
    }
    search.addEventListener("input", function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var rows = document.querySelectorAll(".checkin-row");
      var count = 0;
      rows.forEach(function (row) {
        var name = row.dataset.name || "";
        var match = words.every(function (word) { return name.indexOf(word) !== -1; });
        row.hidden = !match;
        count += match ? 1 : 0;
      });
      if (none) {
        none.hidden = count !== 0;
      }
      if (shown) {
        shown.textContent = words.length ? count + " of " + rows.length + " shown." : rows.length + " with a place.";
      }
    });
  });
})();
