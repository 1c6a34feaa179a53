// Saves the FMIN draft a few seconds after each change (same endpoint logic as the button) and refreshes
// the grant rules' result. Progressive enhancement: without JavaScript the button does the same.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("application-form");
  if (!form || !window.fetch) return;
  const status = document.getElementById("autosave-status");
  const rules = document.getElementById("rules-result");
  const version = form.querySelector("input[name=version]");
  let timer = null;
  let saving = false;
  let again = false;

  async function save() {
    if (saving) { again = true; return; }
    saving = true;
    status.textContent = "Enregistrement…";
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      const data = await response.json();
      status.textContent = data.message;
      if (data.saved) {
        version.value = data.version;
        rules.innerHTML = data.rules_html;
      }
    } catch (error) {
      status.textContent = "Enregistrement automatique impossible (connexion ?). Utilisez le bouton « Enregistrer le brouillon ».";
    } finally {
      saving = false;
      if (again) { again = false; schedule(); }
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(save, 2000);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
});
