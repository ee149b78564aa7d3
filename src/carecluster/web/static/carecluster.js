// Progressive enhancement of the rating form: the suggested cluster updates as ratings change.
// Without JavaScript the form still works: its button asks the server for the same page.
(function () {
  "use strict";
  var form = document.getElementById("rating-form");
  var target = document.getElementById("suggestion");
  if (!form || !target || !window.fetch) { return; }
  var pending = null;
  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    params.delete("csrf_token");
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch("/rate/suggestion?" + params.toString(), { signal: pending.signal, headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { target.innerHTML = html; } })
      .catch(function () { /* a newer request replaced this one, or the network failed: keep the last suggestion */ });
  }
  form.addEventListener("change", refresh);
  // answers to the suggestion's questions sit in the suggestion panel, tied to the form by form="rating-form"
  target.addEventListener("change", function (event) { if (event.target.form === form) { refresh(); } });
  form.addEventListener("input", function (event) { if (event.target.type === "text") { refresh(); } });
})();
