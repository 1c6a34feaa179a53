// The running total of a budget ballot, updated as projects are ticked (the « Calculer le total » button
// does the same on the server without JavaScript).
(function () {
  "use strict";
  var form = document.getElementById("vote");
  if (!form) return;
  var amount = parseInt(form.dataset.amount, 10);
  var total = form.querySelector("[data-total]");
  var remaining = form.querySelector("[data-remaining]");
  var preview = form.querySelector("[data-preview]");
  if (preview) preview.hidden = true;
  var euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });
  function update() {
    var sum = 0;
    form.querySelectorAll("input[name=projects]:checked").forEach(function (box) {
      sum += parseInt(box.dataset.cost, 10);
    });
    total.textContent = euros.format(sum / 100);
    remaining.textContent = euros.format((amount - sum) / 100);
  }
  form.addEventListener("change", update);
})();
