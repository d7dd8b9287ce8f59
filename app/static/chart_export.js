// Trends page: rasterise the SVG chart to a PNG download (the SVG and CSV links work without script).
document.addEventListener("DOMContentLoaded", function () {
  var link = document.getElementById("download-png");
  if (!link) { return; }
  link.addEventListener("click", function (event) {
    event.preventDefault();
    var image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth || 900;
      canvas.height = image.naturalHeight || 360;
      canvas.getContext("2d").drawImage(image, 0, 0);
      var a = document.createElement("a");
      a.href = canvas.toDataURL("image/png");
      a.download = "trend.png";
      a.click();
    };
    image.src = link.getAttribute("data-svg");
  });
});
