// Suggestions while typing (progressive enhancement: the form works without it).
document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("[data-suggest-url]");
  if (!input) return;
  const target = document.getElementById(input.dataset.suggestTarget);
  let timer = null;
  let last = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (q === last) return;
      last = q;
      if (q.length < 3) { target.replaceChildren(); return; }
      const response = await fetch(`${input.dataset.suggestUrl}?q=${encodeURIComponent(q)}`, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const items = await response.json();
      const list = document.createElement("ul");
      list.className = "suggestions";
      list.setAttribute("aria-label", `${items.length} adresse${items.length > 1 ? "s" : ""} proposée${items.length > 1 ? "s" : ""}`);
      for (const item of items) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = item.url;
        a.textContent = `${item.number}${item.number_suffix ? " " + item.number_suffix : ""} ${item.street_type} ${item.street_name}, ${item.commune} — ${item.status_label}`;
        li.append(a);
        list.append(li);
      }
      // « Aucune rue de ce nom à … » : the addresses proposed are not in the commune typed, or not that street.
      const notice = items.length ? items[0].notice : "";
      if (notice) {
        const p = document.createElement("p");
        p.className = "notice notice--warning";
        p.textContent = notice;
        target.replaceChildren(p, list);
      } else {
        target.replaceChildren(list);
      }
    }, 250);
  });
});
