// The console's maps (Leaflet, bundled). Tiles come from MAP_TILES_URL; when none load the
// markers still show, on the map's plain background.
(function () {
  var box = document.getElementById("map");
  if (!box || !window.L) { return; }
  // SVG markers (not canvas): each is an element, at most MAX_POINTS plus the villages.
  var map = L.map(box);
  L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: "&copy; OpenStreetMap" }).addTo(map);
  var colours = box.dataset.colours ? JSON.parse(box.dataset.colours) : {};
  var bounds = [];
  function marker(lat, lon, colour, radius, label, href) {
    var m = L.circleMarker([lat, lon], {
      radius: radius, color: "#fff", weight: 1, fillColor: colour, fillOpacity: 0.9,
      className: "marker"
    }).addTo(map);
    if (label) {
      var link = document.createElement(href ? "a" : "span");
      if (href) { link.href = href; }
      link.textContent = label;
      m.bindPopup(link);
    }
    bounds.push([lat, lon]);
  }
  function fit() {
    if (bounds.length) { map.fitBounds(bounds, { maxZoom: 14, padding: [20, 20] }); }
    else { map.setView([34.0, 113.5], 8); }
    box.dataset.markers = String(bounds.length);
  }
  if (box.dataset.points) {
    JSON.parse(box.dataset.points).forEach(function (p) {
      marker(p.lat, p.lon, p.colour, 9, null, null);
    });
    fit();
    return;
  }
  fetch(box.dataset.source, { credentials: "same-origin" })
    .then(function (answer) { return answer.json(); })
    .then(function (data) {
      data.complaints.forEach(function (c) {
        marker(c.lat, c.lon, colours[c.status] || "#999", 7, c.number, box.dataset.link + c.number);
      });
      data.villages.forEach(function (v) {
        var total = 0;
        Object.keys(v.counts).forEach(function (k) { total += v.counts[k]; });
        marker(v.lat, v.lon, colours[v.status] || "#999", 8 + Math.min(12, Math.sqrt(total) * 2),
          v.name + " · " + total, null);
      });
      fit();
    });
})();
