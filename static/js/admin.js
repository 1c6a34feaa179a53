// The admin's fixes (RGAA 11.1, 11.2; WCAG 1.3.1, 4.1.2), progressive enhancement only:
// - an autocomplete field (select2) is named by the field's own label, not by its empty placeholder;
// - the empty header cell above the inline rows' « original » column says what the column holds.
(() => {
  const fix = () => {
    document.querySelectorAll(".select2-selection[aria-labelledby]").forEach((box) => {
      const rendered = box.getAttribute("aria-labelledby").split(" ").pop();
      const fieldId = rendered.replace(/^select2-/, "").replace(/-container$/, "");
      const label = document.querySelector(`label[for="${fieldId}"]`);
      if (!label) return;
      if (!label.id) label.id = `${fieldId}-label`;
      box.setAttribute("aria-labelledby", `${label.id} ${rendered}`);
    });
    document.querySelectorAll("th.original").forEach((th) => {
      if (th.textContent.trim()) return;
      const text = document.createElement("span");
      text.className = "sman-sr-only";
      text.textContent = "Ligne enregistrée";
      th.appendChild(text);
    });
  };
  window.addEventListener("load", fix);
  document.addEventListener("formset:added", () => window.setTimeout(fix, 0));
})();
