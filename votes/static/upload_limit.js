// A form whose chosen files are over what the server takes in one request
// (MAX_CONTENT_LENGTH, the form's data-max-bytes) is refused here before it is sent: sent,
// the server answers 413 before reading a field and everything typed is gone. The form
// stays as it is, the reason shown above it. Without this script the server's 413 page
// says to go back. A link with data-history-back (that page's) goes back in the history,
// where the browser still has what was typed; without the script it opens the page afresh
// where the page knows it, else it is not shown.
(function () {
  "use strict";
  var me = document.currentScript;
  var words = me.getAttribute("data-too-large") || "";
  // Room for the form's other fields and the multipart boundaries around each part.
  var MARGIN = 64 * 1024;

  function chosen(form) {
    var total = 0;
    var inputs = form.querySelectorAll("input[type=file]");
    for (var i = 0; i < inputs.length; i++) {
      var files = inputs[i].files || [];
      for (var j = 0; j < files.length; j++) { total += files[j].size; }
    }
    return total;
  }

  function note(form) {
    var id = form.getAttribute("data-upload-note");
    if (id) { return document.getElementById(id); }
    var p = document.createElement("p");
    p.className = "flash error";
    p.setAttribute("role", "alert");
    p.id = "upload-too-large-" + Math.random().toString(36).slice(2);
    p.hidden = true;
    form.parentNode.insertBefore(p, form);
    form.setAttribute("data-upload-note", p.id);
    return p;
  }

  function check(form) {
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    var over = limit > 0 && chosen(form) > limit - MARGIN;
    var p = note(form);
    p.textContent = over ? words : "";
    p.hidden = !over;
    var inputs = form.querySelectorAll("input[type=file]");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].setCustomValidity) { inputs[i].setCustomValidity(over ? words : ""); }
    }
    return !over;
  }

  var forms = document.querySelectorAll("form[data-max-bytes]");
  for (var i = 0; i < forms.length; i++) {
    (function (form) {
      form.addEventListener("change", function (event) {
        if (event.target && event.target.type === "file") { check(form); }
      });
      form.addEventListener("submit", function (event) {
        if (!check(form)) {
          event.preventDefault();
          note(form).scrollIntoView({ block: "center" });
        }
      });
    })(forms[i]);
  }

  var backs = document.querySelectorAll("a[data-history-back]");
  for (var k = 0; k < backs.length; k++) {
    backs[k].parentNode.hidden = false;  // hidden where there is no page to open afresh
    backs[k].addEventListener("click", function (event) {
      if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
    });
  }
})();
