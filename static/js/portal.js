// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen-reader and keyboard users hear it first.
  const summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();

  // A table wider than the screen scrolls inside its own box: the keyboard can reach that box (arrows scroll
  // it) and a screen reader hears what it holds (the table's caption). Boxes already named are left as they are.
  const scrollable = () => {
    document.querySelectorAll(".table-wrap:not([data-scroll-named])").forEach((box) => {
      const overflows = box.scrollWidth > box.clientWidth + 1;
      if (overflows && !box.hasAttribute("tabindex")) {
        const caption = box.querySelector("caption");
        box.tabIndex = 0;
        box.dataset.scrollAdded = "";
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption ? caption.textContent.trim() : "Tableau");
      } else if (!overflows && "scrollAdded" in box.dataset) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.scrollAdded;
      }
    });
  };
  scrollable();
  window.addEventListener("resize", scrollable);
});
