// The device keys this browser keeps (device.js) that no one signed in here needs, out of
// IndexedDB. Each is stored under "<proposal>:<voter key>", and the voter key is the
// pseudonym under which the chain publishes the ballot (its choice too, once the vote is
// closed); the key's public half names the ballot it signed. Left on a shared phone after
// the owner's sign-in ended (the hours over, 退出登录 here or on another phone of the
// household) or after the ballot is in, it tells the next person how the owner voted.
// Nothing needs the key afterwards: the chain holds its public half and its signatures,
// which the verifier checks; an owner who signs in again, or changes the ballot before the
// close, gets a new key on the ballot page.
// data-keep: the one key the page's signed-in owner still needs ("<proposal>:<voter key>",
// the ballot page's and the confirm page's), or "" for none.
(function () {
  "use strict";
  var keep = document.currentScript.getAttribute("data-keep") || "";
  if (!window.indexedDB) { return; }
  var open;
  try { open = indexedDB.open("votes-device", 1); } catch (err) { return; }
  // No store yet: nothing to take out, and none is made (device.js makes it when needed).
  open.onupgradeneeded = function () { open.transaction.abort(); };
  open.onerror = function (event) { event.preventDefault(); };
  open.onsuccess = function () {
    var db = open.result;
    try {
      var tx = db.transaction("keys", "readwrite");
      var cursor = tx.objectStore("keys").openCursor();
      cursor.onsuccess = function () {
        var at = cursor.result;
        if (!at) { return; }
        if (at.key !== keep) { at["delete"](); }
        at["continue"]();
      };
      tx.oncomplete = tx.onerror = tx.onabort = function () { db.close(); };
    } catch (err) { db.close(); /* storage refused: nothing to take out */ }
  };
})();
