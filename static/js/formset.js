// "Ajouter une ligne" for the formset tables of templates/includes/_formset_table.html: clones the blank
// line of the <template>, numbers it, updates the management form and moves the focus into the new line.
// Without JavaScript the button stays hidden and the formset's extra blank lines do the job.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button[data-formset-add]").forEach((button) => {
    const table = document.getElementById(button.dataset.formsetAdd);
    const template = document.getElementById(`${button.dataset.formsetAdd}-empty`);
    const total = document.querySelector(`input[name="${button.dataset.formsetPrefix}-TOTAL_FORMS"]`);
    const max = document.querySelector(`input[name="${button.dataset.formsetPrefix}-MAX_NUM_FORMS"]`);
    if (!table || !template || !total) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) return;
      const row = template.content.firstElementChild.cloneNode(true);
      row.innerHTML = row.innerHTML.replace(/__prefix__/g, String(index));
      table.querySelector("tbody").appendChild(row);
      total.value = String(index + 1);
      const first = row.querySelector("input, select, textarea");
      if (first) first.focus();
    });
  });
});
