// Draws the GeoJSON outlines embedded next to each .map element (json_script, no inline code).
document.addEventListener("DOMContentLoaded", () => {
  if (typeof L === "undefined") return;
  document.querySelectorAll(".map[data-geojson-id]").forEach((el) => {
    const source = document.getElementById(el.dataset.geojsonId);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const map = L.map(el, { scrollWheelZoom: false, attributionControl: true });
    if (el.dataset.tilesUrl) {
      L.tileLayer(el.dataset.tilesUrl, { attribution: el.dataset.tilesAttribution, maxZoom: 19 }).addTo(map);
    }
    const layer = L.geoJSON(data, {
      // A feature may carry its own fill colour (choropleths); the page always says the value in words too.
      style: (feature) => {
        const colour = (feature && feature.properties && feature.properties.color) || null;
        return { color: "#15397a", weight: colour ? 1 : 2, fillColor: colour || "#15397a", fillOpacity: colour ? 0.6 : 0.12 };
      },
      onEachFeature: (feature, lyr) => {
        const p = feature.properties || {};
        if (p.name) lyr.bindTooltip(p.name);
        if (p.url && data.features.length > 1) lyr.on("click", () => { window.location.href = p.url; });
      },
    }).addTo(map);
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
    else map.setView([48.86, 2.35], 10);
  });
});
