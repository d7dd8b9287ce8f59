// Keeps each server-rendered "due in ..." / "overdue by ..." text (an element with data-due) current.
// The wording is app/blueprints/compliance/countdown.py's; without JavaScript the page still says it.
(function () {
  "use strict";

  function span(seconds) {
    // Whole units, rounded down, as on the server: "due in" never promises more time than is left.
    var minutes = Math.floor(seconds / 60);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    if (days) { return days + " d " + hours + " h"; }
    if (hours) { return hours + " h " + mins + " min"; }
    return mins ? mins + " min" : "under 1 min";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (element) {
      var due = Date.parse(element.getAttribute("data-due"));
      if (isNaN(due)) { return; }
      var seconds = Math.trunc((due - now) / 1000);
      element.textContent = seconds > 0 ? "due in " + span(seconds) : "overdue by " + span(-seconds);
      element.classList.toggle("overdue", seconds <= 0);
    });
  }

  tick();
  window.setInterval(tick, 15000);
}());
