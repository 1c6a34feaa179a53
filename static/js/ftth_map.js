// The FttH deployment map: vector tiles from /tiles/ftth/…, buildings coloured by status at high zoom. A click
// on a building, or a button of the list of the buildings in view (the keyboard's way), opens its card.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("carte-fibre");
  if (!el || typeof L === "undefined" || !window.smanMaps) return;
  const colours = JSON.parse(document.getElementById("ftth-colours").textContent);
  const statusLabels = JSON.parse(document.getElementById("ftth-status-labels").textContent);
  const card = document.getElementById("fiche-immeuble");
  const listStatus = document.getElementById("immeubles-vue-etat");
  const list = document.getElementById("immeubles-vue");
  const LIST_MIN_ZOOM = Number(el.dataset.listMinZoom);
  const LIST_LENGTH = 30;

  const map = L.map(el, { minZoom: 9, maxZoom: 18 });
  window.smanMaps.keepViewInAddress(map, [48.86, 2.4], 11);
  window.smanMaps.addBase(map, el);

  const rateColour = (rate) => (rate >= 90 ? "#1e6b34" : rate >= 70 ? "#5b8c2a" : rate >= 50 ? "#c08400" : "#a4161a");
  const buildingStyle = (p) => ({
    radius: 5, weight: 1, color: "#1b1f24", fill: true, fillOpacity: 0.9, fillColor: colours[p.status] || "#4a5360",
  });
  const layer = new window.smanMaps.Protobuf(el.dataset.tiles, {
    className: "ftth-layer",
    interactive: true,
    zIndex: 2,
    getFeatureId: (f) => f.properties.id || f.properties.code,
    vectorTileLayerStyles: {
      buildings: buildingStyle,
      cells: (p) => ({ radius: 4 + Math.min(8, Math.sqrt(p.buildings)), weight: 0, fill: true, fillOpacity: 0.7, fillColor: rateColour(p.rate) }),
      communes: (p) => ({ weight: 1, color: "#15397a", fill: true, fillOpacity: 0.45, fillColor: rateColour(p.rate) }),
    },
  }).addTo(map);

  // The card: a fragment of HTML from the portal, next to the map; the building is outlined on the map.
  let selected = null;
  async function openCard(id) {
    if (selected !== null) layer.resetFeatureStyle(selected);
    selected = id;
    layer.setFeatureStyle(id, { buildings: { ...buildingStyle({}), radius: 8, weight: 3, color: "#000000", fillColor: "#ffbf47" } });
    const response = await fetch(el.dataset.cardUrl.replace(/0\/$/, `${id}/`), { headers: { Accept: "text/html" } });
    if (id !== selected) return; // another building was chosen meanwhile
    if (response.ok) card.innerHTML = await response.text();
    else card.textContent = "La fiche de cet immeuble n'a pas pu être chargée. Réessayez dans un instant.";
    card.hidden = false;
    const heading = card.querySelector("h3");
    (heading || card).focus();
  }
  layer.on("click", (event) => {
    const id = event.layer.properties && event.layer.properties.id;
    if (id) openCard(id);
  });

  // The buildings in view, from the tiles already loaded (they carry each building's address from the zoom
  // LIST_MIN_ZOOM on), nearest to the centre first; rebuilt when the map moves or a tile arrives.
  const tiles = new Map();
  layer.on("tiledata", ({ coords, layers }) => {
    const buildings = layers.buildings;
    if (!buildings) return;
    tiles.set(window.smanMaps.tileKey(coords), {
      z: coords.z,
      items: buildings.features
        .filter((f) => f.properties.address)
        .map((f) => ({ ...f.properties, latlng: window.smanMaps.tileLatLng(coords, f.geometry[0][0], buildings.extent) })),
    });
    scheduleList();
  });
  layer.on("tileunload", ({ coords }) => {
    tiles.delete(window.smanMaps.tileKey(coords));
    scheduleList();
  });
  map.on("moveend", () => scheduleList());

  let pending = null;
  function scheduleList() {
    if (pending === null) pending = window.setTimeout(updateList, 100);
  }
  let shownKey = "";
  function updateList() {
    pending = null;
    const zoom = map.getZoom();
    if (zoom < LIST_MIN_ZOOM) {
      render("Zoomez jusqu'à l'échelle de la rue pour lister ici les immeubles visibles sur la carte.", []);
      return;
    }
    const bounds = map.getBounds();
    const centre = map.getCenter();
    const inView = new Map();
    for (const tile of tiles.values()) {
      if (tile.z !== Math.min(zoom, layer.options.maxNativeZoom || zoom)) continue;
      for (const item of tile.items) if (bounds.contains(item.latlng)) inView.set(item.id, item);
    }
    const nearest = [...inView.values()].sort((a, b) => centre.distanceTo(a.latlng) - centre.distanceTo(b.latlng));
    const shown = nearest.slice(0, LIST_LENGTH);
    let text;
    if (!nearest.length) text = "Aucun immeuble connu dans cette partie de la carte.";
    else if (shown.length < nearest.length) text = `${nearest.length} immeubles sur la carte ; les ${shown.length} plus proches du centre :`;
    else text = nearest.length === 1 ? "1 immeuble sur la carte :" : `${nearest.length} immeubles sur la carte :`;
    render(text, shown);
  }
  function render(text, items) {
    const key = text + items.map((item) => item.id).join(",");
    if (key === shownKey) return; // unchanged: the focus stays where it is
    shownKey = key;
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
    listStatus.textContent = text;
    list.replaceChildren(
      ...items.map((item) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link-button";
        button.dataset.id = item.id;
        button.textContent = `${item.address}, ${item.commune} — ${statusLabels[item.status] || item.status}`;
        button.addEventListener("click", () => openCard(item.id));
        const li = document.createElement("li");
        li.append(button);
        return li;
      }),
    );
    if (focused) {
      const again = list.querySelector(`button[data-id="${focused}"]`);
      if (again) again.focus();
    }
  }
  updateList();
});
