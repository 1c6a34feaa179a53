// While a report is pending or running, reload its status block every 2 seconds (no full page reload).
document.addEventListener("DOMContentLoaded", () => {
  const poll = async () => {
    const block = document.getElementById("report-status");
    if (!block || !["pending", "running"].includes(block.dataset.status)) return;
    const response = await fetch(block.dataset.pollUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = html.getElementById("report-status");
    if (fresh) block.replaceWith(fresh);
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
});
