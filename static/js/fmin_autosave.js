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
  let submitting = false;
  // The button pressed while an autosave was on its way: the form is sent once that save has answered.
  let heldSubmitter;

  async function save() {
    if (submitting) return;
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
      if (heldSubmitter !== undefined) {
        // Sent now, with the version the autosave has just returned (otherwise the server would take
        // the user's own autosave for someone else's change and refuse the save).
        const submitter = heldSubmitter;
        heldSubmitter = undefined;
        if (submitter) form.requestSubmit(submitter); else form.requestSubmit();
      } else if (again) {
        again = false;
        schedule();
      }
    }
  }

  function schedule() {
    if (submitting) return;
    clearTimeout(timer);
    timer = setTimeout(save, 2000);
  }

  form.addEventListener("submit", (event) => {
    clearTimeout(timer);
    if (saving) {
      event.preventDefault();
      heldSubmitter = event.submitter || null;
      return;
    }
    // The page is leaving: no autosave may race the button's save with the same version.
    submitting = true;
  });
  // Back to this page from the browser's cache after a submission: autosave works again.
  window.addEventListener("pageshow", (event) => { if (event.persisted) submitting = false; });
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
});
