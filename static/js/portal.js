// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen-reader and keyboard users hear it first.
  const summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();
});
