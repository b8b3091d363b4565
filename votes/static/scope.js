// Live headcount and area while the committee ticks buildings or names them; the form
// works without it (the server computes the same scope from the ticked boxes).
(function () {
  "use strict";
  var form = document.getElementById("proposal-form");
  var scope = document.getElementById("scope");
  var budget = document.getElementById("budget");
  var out = document.getElementById("scope-live");
  if (!form || !scope || !out || !window.fetch) { return; }
  var timer = null;
  function ticked(name) {
    var boxes = form.querySelectorAll("input[name=" + name + "]:checked");
    var parts = [];
    for (var i = 0; i < boxes.length; i++) {
      parts.push(name.replace("scope_", "") + "=" + encodeURIComponent(boxes[i].value));
    }
    return parts;
  }
  function update() {
    var params = ["scope=" + encodeURIComponent(scope.value),
      "budget=" + encodeURIComponent(budget.value || "0")]
      .concat(ticked("scope_building"), ticked("scope_entrance"));
    var url = form.getAttribute("data-preview") + "?" + params.join("&");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
      out.textContent = d.summary;  // in the page's language, the scope in words
    });
  }
  function later() { clearTimeout(timer); timer = setTimeout(update, 300); }
  scope.addEventListener("input", later);
  budget.addEventListener("input", later);
  var boxes = form.querySelectorAll("input[name=scope_building], input[name=scope_entrance]");
  for (var i = 0; i < boxes.length; i++) { boxes[i].addEventListener("change", later); }
})();
