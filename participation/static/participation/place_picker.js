// The place of a proposal, clicked on the map of the process's scope (progressive enhancement: the address
// search and the latitude/longitude fields work without it, by keyboard). The server checks the point.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof L === "undefined") return;
  const el = document.getElementById("carte-lieu");
  const lat = document.getElementById("id_latitude");
  const lon = document.getElementById("id_longitude");
  if (!el || !lat || !lon) return;
  const source = document.getElementById(el.dataset.geojsonId);
  const map = L.map(el, { scrollWheelZoom: false });
  if (el.dataset.tilesUrl) {
    L.tileLayer(el.dataset.tilesUrl, { attribution: el.dataset.tilesAttribution, maxZoom: 19 }).addTo(map);
  }
  const scope = L.geoJSON(source ? JSON.parse(source.textContent) : null, {
    style: { color: "#15397a", weight: 2, fillColor: "#15397a", fillOpacity: 0.08 },
  }).addTo(map);
  const bounds = scope.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
  else map.setView([48.86, 2.35], 11);
  let marker = null;
  const status = document.getElementById("lieu-choisi");
  const place = (latlng) => {
    if (marker) marker.setLatLng(latlng);
    else marker = L.marker(latlng, { keyboard: false }).addTo(map);
  };
  if (lat.value && lon.value) place([parseFloat(lat.value), parseFloat(lon.value)]);
  map.on("click", (event) => {
    lat.value = event.latlng.lat.toFixed(6);
    lon.value = event.latlng.lng.toFixed(6);
    place(event.latlng);
    if (status) status.textContent = `Lieu placé : latitude ${lat.value}, longitude ${lon.value}.`;
  });
});
