// Trends page: rasterise the SVG chart to a PNG download (the SVG and CSV links work without script).
// A file of its own because the Content-Security-Policy allows no inline script.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var link = document.getElementById("download-png");
  if (!link) { return; }
  var SCALE = 2;  // twice the chart's size, so the image stays sharp in a report or on a projector
  link.addEventListener("click", function (event) {
    event.preventDefault();
    var image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = (image.naturalWidth || 900) * SCALE;
      canvas.height = (image.naturalHeight || 360) * SCALE;
      var context = canvas.getContext("2d");
      context.scale(SCALE, SCALE);
      context.drawImage(image, 0, 0);
      var a = document.createElement("a");
      a.href = canvas.toDataURL("image/png");
      a.download = "trend.png";
      document.body.appendChild(a);
      a.click();
      a.remove();
    };
    image.onerror = function () {
      link.textContent = "PNG unavailable (the chart did not load)";
    };
    image.src = link.getAttribute("data-svg");
  });
});
