// A form marked data-busy starts work of seconds to tens of seconds (a city's roll checked,
// or imported): once sent, the page says at once that it has started and how long it has
// waited, and the form is not sent again by a second click (the server imports a roll once
// whatever is sent, but a second request held the member's page behind the first). Without
// this script the note beside the button says the same before the click.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-busy]");

  function controls(form) {
    return form.querySelectorAll("button, input[type=submit]");
  }

  function started(form, quiet) {
    form.setAttribute("data-busy-sent", "1");
    var status = form.querySelector("[data-busy-status]");
    if (status && !quiet) {
      var elapsed = status.querySelector("[data-busy-elapsed]");
      var words = status.getAttribute("data-elapsed") || "";
      var begun = Date.now();
      status.hidden = false;
      form.busyTimer = window.setInterval(function () {
        var seconds = Math.round((Date.now() - begun) / 1000);
        if (elapsed && words) { elapsed.textContent = words.replace("{n}", String(seconds)); }
      }, 1000);
    }
    // After the submission has taken the clicked button's formaction: disabled now, it
    // would be left out of what is sent.
    window.setTimeout(function () {
      var buttons = controls(form);
      for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    }, 0);
  }

  function reset(form) {
    form.removeAttribute("data-busy-sent");
    if (form.busyTimer) { window.clearInterval(form.busyTimer); form.busyTimer = null; }
    var status = form.querySelector("[data-busy-status]");
    if (status) {
      status.hidden = true;
      var elapsed = status.querySelector("[data-busy-elapsed]");
      if (elapsed) { elapsed.textContent = ""; }
    }
    var buttons = controls(form);
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = false; }
  }

  for (var i = 0; i < forms.length; i++) {
    (function (form) {
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) { return; }  // refused before sending (upload_limit.js)
        if (form.getAttribute("data-busy-sent")) { event.preventDefault(); return; }
        var quiet = event.submitter && event.submitter.hasAttribute("data-busy-quiet");
        started(form, quiet);
      });
    })(forms[i]);
  }

  // The back button shows the page as it was left (the back-forward cache): its form sent
  // and disabled. The member goes back to confirm again after a failure; it is usable.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    for (var k = 0; k < forms.length; k++) { reset(forms[k]); }
  });
})();
