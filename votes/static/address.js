// A page reached by a voting link shows the address of the page it is (the second-factor
// form's), so that the link's token, a credential, is not left in the address bar, in the
// history, or in what the browser or WeChat shares from there.
(function () {
  var script = document.querySelector("script[data-address]");
  if (script && window.history && history.replaceState) {
    history.replaceState(null, "", script.getAttribute("data-address"));
  }
})();
