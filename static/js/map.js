// Draws the GeoJSON outlines embedded next to each .map element (json_script, no inline code).
// Every feature is reachable by keyboard: a « liste des points » of buttons under the map moves the map to the
// feature and opens its bubble (focus moves into it; Escape closes it and gives the focus back); a marker is
// itself focusable. What a bubble shows is also said in a live region, for a click as for a key.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof L === "undefined") return;
  const text = (value) => document.createTextNode(value);

  document.querySelectorAll(".map[data-geojson-id]").forEach((el) => {
    const source = document.getElementById(el.dataset.geojsonId);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const map = L.map(el, { scrollWheelZoom: false, attributionControl: true });
    if (el.dataset.tilesUrl) {
      L.tileLayer(el.dataset.tilesUrl, { attribution: el.dataset.tilesAttribution, maxZoom: 19 }).addTo(map);
    }
    const live = document.createElement("p");
    live.className = "sr-only";
    live.setAttribute("aria-live", "polite");
    live.id = `${el.id}-annonce`;
    let opener = null; // the element to give the focus back to when the bubble closes

    const bubble = (p) => {
      const box = document.createElement("div");
      box.className = "map-bubble";
      box.tabIndex = -1;
      const title = document.createElement("strong");
      title.appendChild(text(p.name));
      box.appendChild(title);
      if (p.summary) {
        const summary = document.createElement("p");
        summary.appendChild(text(p.summary));
        box.appendChild(summary);
      }
      if (p.url) {
        const link = document.createElement("a");
        link.href = p.url;
        link.appendChild(text(`Voir la fiche « ${p.name} »`));
        const para = document.createElement("p");
        para.appendChild(link);
        box.appendChild(para);
      }
      return box;
    };

    const entries = [];
    const layer = L.geoJSON(data, {
      // A feature may carry its own fill colour (choropleths); the page always says the value in words too.
      style: (feature) => {
        const colour = (feature && feature.properties && feature.properties.color) || null;
        return { color: "#15397a", weight: colour ? 1 : 2, fillColor: colour || "#15397a", fillOpacity: colour ? 0.6 : 0.12 };
      },
      pointToLayer: (feature, latlng) => {
        const name = (feature.properties && feature.properties.name) || "Point";
        return L.marker(latlng, { alt: name, title: name, keyboard: true });
      },
      onEachFeature: (feature, lyr) => {
        const p = feature.properties || {};
        if (!p.name) return;
        if (!lyr.getLatLng) lyr.bindTooltip(p.name);
        // A marker focused and activated by the keyboard (Leaflet turns Enter into a keypress, then the bubble):
        // the focus moves into the bubble and comes back to the marker.
        else lyr.on("keypress", (event) => { if (event.originalEvent.key === "Enter") opener = lyr.getElement(); });
        lyr.bindPopup(() => bubble(p), { autoPanPadding: [20, 20] });
        entries.push({ name: p.name, layer: lyr });
      },
    }).addTo(map);

    map.on("popupopen", (event) => {
      const content = event.popup.getElement();
      const close = content && content.querySelector(".leaflet-popup-close-button");
      if (close) {
        close.setAttribute("aria-label", "Fermer la bulle");
        close.title = "Fermer la bulle";
      }
      const box = content && content.querySelector(".map-bubble");
      if (!box) return;
      live.textContent = `${box.textContent}.`;
      if (opener) box.focus({ preventScroll: false });
    });
    map.on("popupclose", () => {
      live.textContent = "";
      const back = opener;
      opener = null;
      const lost = !document.activeElement || document.activeElement === document.body;
      if (back && (lost || el.contains(document.activeElement))) back.focus();
    });
    el.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && map._popup && map.hasLayer(map._popup)) {
        const back = opener;
        map.closePopup();
        if (back) back.focus();
      }
    });

    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
    else map.setView([48.86, 2.35], 10);

    if (!entries.length) {
      el.after(live);
      return;
    }
    // The list of points: the keyboard's way to every feature (the page's table stays the full alternative).
    const list = document.createElement("ul");
    list.className = "map-list map-points";
    list.id = `${el.id}-points`;
    list.setAttribute("aria-label", `Liste des points de la carte (${entries.length})`);
    entries.forEach((entry) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link-button";
      button.appendChild(text(entry.name));
      button.setAttribute("aria-controls", el.id);
      button.addEventListener("click", () => {
        map.closePopup();
        opener = button;
        const lyr = entry.layer;
        if (lyr.getLatLng) map.setView(lyr.getLatLng(), Math.max(map.getZoom(), 14));
        else map.fitBounds(lyr.getBounds(), { padding: [10, 10] });
        lyr.openPopup(lyr.getLatLng ? lyr.getLatLng() : lyr.getBounds().getCenter());
      });
      item.appendChild(button);
      list.appendChild(item);
    });
    const details = document.createElement("details");
    details.className = "map-points-box";
    const summary = document.createElement("summary");
    summary.appendChild(text(`Liste des points de la carte (${entries.length})`));
    details.append(summary, list);
    el.after(details, live);
  });
});
