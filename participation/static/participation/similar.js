// « Propositions semblables » while typing a title: the page works without it (a button shows them).
(function () {
  "use strict";
  var form = document.querySelector("form[data-similar-url]");
  if (!form) return;
  var input = form.querySelector("[data-similar]");
  var box = document.getElementById("semblables");
  if (!input || !box) return;
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q === last || q.length < 3) return;
      last = q;
      fetch(form.dataset.similarUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { box.innerHTML = html; })
        .catch(function () {});
    }, 300);
  });
})();
