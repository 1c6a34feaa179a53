// The FttH deployment map: vector tiles from /tiles/ftth/…, buildings coloured by status at high zoom.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("carte-fibre");
  if (!el || typeof L === "undefined" || !L.vectorGrid) return;
  const colours = JSON.parse(document.getElementById("ftth-colours").textContent);
  const map = L.map(el, { scrollWheelZoom: false, minZoom: 9, maxZoom: 18 }).setView([48.86, 2.40], 11);
  if (el.dataset.tilesUrl) {
    L.tileLayer(el.dataset.tilesUrl, { attribution: el.dataset.tilesAttribution, maxZoom: 19 }).addTo(map);
  }
  const rateColour = (rate) => (rate >= 90 ? "#1e6b34" : rate >= 70 ? "#5b8c2a" : rate >= 50 ? "#c08400" : "#a4161a");
  const layer = L.vectorGrid.protobuf(el.dataset.tiles, {
    interactive: true,
    maxNativeZoom: 16,
    getFeatureId: (f) => f.properties.id || f.properties.code,
    vectorTileLayerStyles: {
      buildings: (p) => ({ radius: 4, weight: 1, color: "#1b1f24", fill: true, fillOpacity: 0.9, fillColor: colours[p.status] || "#4a5360" }),
      cells: (p) => ({ radius: 4 + Math.min(8, Math.sqrt(p.buildings)), weight: 0, fill: true, fillOpacity: 0.7, fillColor: rateColour(p.rate) }),
      communes: (p) => ({ weight: 1, color: "#15397a", fill: true, fillOpacity: 0.45, fillColor: rateColour(p.rate) }),
    },
  }).addTo(map);
  layer.on("click", (event) => {
    const p = event.layer.properties;
    if (p.id) window.location.href = `/fibre/immeubles/${p.id}/`;
  });
});
