// The status block of a long job (templates/sman/_job_status.html): while the job is pending or running,
// its JSON status is read every few seconds and the block updated in place. The live region stays in the
// page (a replaced region would not be announced): only its content changes, so the new state is read out.
// Without this script, the block's link reloads the page.
const PARTS = ["[data-job-live]", "[data-job-body]"];

function watch(block) {
  let delay = 2000;
  const poll = async () => {
    if (block.dataset.jobActive !== "true") return;
    try {
      const response = await fetch(block.dataset.jobStatusUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return; // signed out, or the job is gone: the page still works by reloading
      const status = await response.json();
      const fresh = new DOMParser().parseFromString(status.html, "text/html").querySelector("[data-job-status-url]");
      if (!fresh) return;
      for (const part of PARTS) {
        const shown = block.querySelector(part);
        const next = fresh.querySelector(part);
        if (shown && next && shown.innerHTML !== next.innerHTML) shown.innerHTML = next.innerHTML;
      }
      block.dataset.jobActive = fresh.dataset.jobActive;
      delay = 2000;
    } catch {
      delay = Math.min(delay * 2, 30000); // the network or the server hiccuped: try again, less often
    }
    setTimeout(poll, delay);
  };
  setTimeout(poll, delay);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-job-status-url]").forEach(watch);
});
