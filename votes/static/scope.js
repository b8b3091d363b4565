// Live headcount and area while the committee types a scope; the form works without it.
(function () {
  "use strict";
  var form = document.getElementById("proposal-form");
  var scope = document.getElementById("scope");
  var budget = document.getElementById("budget");
  var out = document.getElementById("scope-live");
  if (!form || !scope || !out || !window.fetch) { return; }
  var timer = null;
  function update() {
    var url = form.getAttribute("data-preview") + "?scope=" + encodeURIComponent(scope.value) +
      "&budget=" + encodeURIComponent(budget.value || "0");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
      out.textContent = d.ok ? ("范围内 " + d.units + " 套房屋，" + d.headcount + " 人，面积 " + d.area + " m²") : d.error;
    });
  }
  function later() { clearTimeout(timer); timer = setTimeout(update, 300); }
  scope.addEventListener("input", later);
  budget.addEventListener("input", later);
})();
