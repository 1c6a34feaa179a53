// Vector tiles on the portal's maps (Leaflet 1.9 from django-leaflet, Leaflet.VectorGrid 1.3.0 vendored from
// npm), and the base layer every such map starts from: the configured basemap (MAP_TILES_URL), or else the
// portal's own commune and territory outlines with their names (/tiles/territories/…), so that a map reads
// as a map without a request to another host.
(function () {
  if (typeof L === "undefined" || !L.VectorGrid) return;

  // VectorGrid 1.3.0, its last release, draws a point as a CircleMarker that has no position. Leaflet (1.9
  // here) treats a mouse event on a layer with getLatLng() and a radius of 10 px or less as a marker's
  // (Map._fireDOMEvent takes the position from getLatLng()), so every click on a building threw
  // "Cannot read properties of undefined (reading 'lat')". Upstream fixed it after that release
  // (Leaflet.VectorGrid pull request #157, never published): a point drawn from a tile is not a marker, and
  // the event takes its position from the mouse. The layers here use VectorGrid's SVG renderer (its
  // default); its canvas renderer has another incompatibility with Leaflet 1.8+ (DomEvent.fakeStop).
  const createLayer = L.VectorGrid.prototype._createLayer;
  L.VectorGrid.prototype._createLayer = function (feat, pxPerExtent, layerStyle) {
    const layer = createLayer.call(this, feat, pxPerExtent, layerStyle);
    if (feat.type === 1) layer.getLatLng = null;
    return layer;
  };

  // Protobuf tiles that also say what they hold: a "tiledata" event with the tile's coordinates and its
  // decoded layers, so that a page can list or label the features in view from the data it already has.
  const Protobuf = L.VectorGrid.Protobuf.extend({
    _getVectorTilePromise: function (coords, tileBounds) {
      return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords, tileBounds).then((tile) => {
        this.fire("tiledata", { coords: coords, layers: tile.layers || {} });
        return tile;
      });
    },
  });

  // The position of a point of a tile (in the tile's extent units, 4096 by default).
  const tileLatLng = (coords, point, extent) => {
    const size = 256;
    const pixel = L.point(coords.x * size + (point.x * size) / extent, coords.y * size + (point.y * size) / extent);
    return L.CRS.EPSG3857.pointToLatLng(pixel, coords.z);
  };

  const tileKey = (coords) => `${coords.z}/${coords.x}/${coords.y}`;

  const OUTLINE_STYLES = {
    communes: { weight: 1, color: "#6b7684", fill: true, fillColor: "#ffffff", fillOpacity: 0.55 },
    territories: (p) =>
      p.kind === "metropole" ? { weight: 3, color: "#0d2552", fill: false } : { weight: 2, color: "#15397a", fill: false },
    labels: [], // written as text by the label layer below, not drawn as points
  };

  // Names of the communes (or, zoomed out, of the territories) from the "labels" layer of the base tiles,
  // written in a pane of their own above the data, that lets the mouse through.
  function addLabels(map, outlines) {
    const pane = map.createPane("sman-labels");
    pane.style.zIndex = 450;
    pane.style.pointerEvents = "none";
    const byTile = new Map();
    outlines.on("tiledata", ({ coords, layers }) => {
      const labels = layers.labels;
      if (!labels || byTile.has(tileKey(coords))) return;
      const markers = labels.features.map((feature) => {
        const text = document.createElement("span");
        text.textContent = feature.properties.name;
        return L.marker(tileLatLng(coords, feature.geometry[0][0], labels.extent), {
          icon: L.divIcon({ className: `map-label map-label--${feature.properties.kind}`, html: text, iconSize: null }),
          interactive: false,
          keyboard: false,
          pane: "sman-labels",
        }).addTo(map);
      });
      byTile.set(tileKey(coords), markers);
    });
    outlines.on("tileunload", ({ coords }) => {
      (byTile.get(tileKey(coords)) || []).forEach((marker) => marker.remove());
      byTile.delete(tileKey(coords));
    });
  }

  function addBase(map, el) {
    if (el.dataset.tilesUrl) {
      return L.tileLayer(el.dataset.tilesUrl, { attribution: el.dataset.tilesAttribution, maxZoom: 19 }).addTo(map);
    }
    el.classList.add("map--own-base");
    const outlines = new Protobuf(el.dataset.baseTiles || "/tiles/territories/{z}/{x}/{y}.pbf", {
      className: "base-layer",
      vectorTileLayerStyles: OUTLINE_STYLES,
      attribution: "Contours des communes : INSEE, IGN",
      zIndex: 1,
    });
    addLabels(map, outlines);
    return outlines.addTo(map);
  }

  // The view in the address's fragment (#zoom/latitude/longitude): a view can be shared or bookmarked.
  function keepViewInAddress(map, centre, zoom) {
    const viewInAddress = () => {
      const match = /^#(\d{1,2})\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(window.location.hash);
      if (match) map.setView([Number(match[2]), Number(match[3])], Number(match[1]));
      return Boolean(match);
    };
    if (!viewInAddress()) map.setView(centre, zoom);
    window.addEventListener("hashchange", viewInAddress); // a link to another view of the same page
    map.on("moveend", () => {
      const c = map.getCenter();
      const hash = `#${map.getZoom()}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}`;
      window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search + hash);
    });
  }

  window.smanMaps = { Protobuf, addBase, keepViewInAddress, tileKey, tileLatLng };
})();
