// After 退出登录: the device keys this browser keeps for the proposal (device.js) are taken
// out of IndexedDB. Each is stored under "<proposal>:<voter key>", and the voter key is the
// pseudonym under which the chain publishes the ballot (its choice too, once the vote is
// closed): left on a shared phone, it tells the next person how the owner voted. Nothing
// needs the key afterwards: the chain holds its public half and its signatures, which the
// verifier checks; an owner who signs in again on this phone gets a new key.
(function () {
  "use strict";
  var proposal = document.currentScript.getAttribute("data-proposal");
  if (!proposal || !window.indexedDB || !window.IDBKeyRange) { return; }
  var open;
  try { open = indexedDB.open("votes-device", 1); } catch (err) { return; }
  open.onupgradeneeded = function () { open.result.createObjectStore("keys"); };
  open.onsuccess = function () {
    try {
      var tx = open.result.transaction("keys", "readwrite");
      // Every key "<proposal>:…": the prefix, up to the next character after ":" (";").
      tx.objectStore("keys").delete(IDBKeyRange.bound(proposal + ":", proposal + ";", false, true));
      tx.oncomplete = tx.onerror = tx.onabort = function () { open.result.close(); };
    } catch (err) { /* nothing stored, or storage refused: nothing to take out */ }
  };
})();
