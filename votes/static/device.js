// The owner's device key: made once per proposal and voter when the owner is verified,
// kept non-extractable in IndexedDB, used to sign the ballot's commitment so that the server
// cannot make up an online ballot without leaving a different signature trail.
// Kept only while it may still sign: device_forget.js takes it out on the receipt page and
// on any page once the sign-in has ended (its name holds the voter's pseudonym).
(function () {
  "use strict";
  var me = document.currentScript;
  var registerUrl = me.getAttribute("data-register");
  var csrf = me.getAttribute("data-csrf");
  var storeKey = me.getAttribute("data-store");
  // The voter the page was shown to: the server binds the key to no one else.
  var voter = me.getAttribute("data-voter");
  // The voter's keys the chain already holds (the confirm page lists them).
  var registered = (me.getAttribute("data-registered") || "").split(" ");
  var subtle = window.crypto && window.crypto.subtle;
  var form = document.getElementById("cast-form");
  var sign = null;  // set below where the browser can sign the ballot
  if (form) {
    // One tap, one ballot: a second tap while the first one's ballot is being signed or sent
    // would send it again, and the server's refusal of the repeat is what the owner would
    // then read above their receipt. Without this script the plain form submits as it is.
    var button = document.getElementById("cast-submit");
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending) { event.preventDefault(); return; }
      sending = true;
      if (button) { button.disabled = true; }
      if (sign) { event.preventDefault(); sign(); }
    });
    // Back on the page from the history cache, the owner has left it: the button works again.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { sending = false; if (button) { button.disabled = false; } }
    });
  }
  if (!subtle || !window.indexedDB || !window.Promise) { return; }
  var ALG = { name: "ECDSA", namedCurve: "P-256" };
  // Local storage answers in milliseconds. Safari 14.1 (iOS 14.6, WeChat's browser there)
  // could leave indexedDB.open unanswered, and the cast waits for the key: after this
  // long the store counts as unavailable and the ballot goes unsigned.
  var IDB_WAIT_MS = 3000;

  function idb(mode, fn) {
    return new Promise(function (resolve, reject) {
      setTimeout(function () { reject(new Error("IndexedDB did not answer")); }, IDB_WAIT_MS);
      var open = indexedDB.open("votes-device", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("keys"); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        // Thrown in a handler, an error would leave the promise pending and the cast
        // waiting for ever: a browser that cannot store a CryptoKey (DataCloneError) or
        // has no room for it must still let the owner vote, unsigned.
        try {
          var tx = open.result.transaction("keys", mode);
          var req = fn(tx.objectStore("keys"));
        } catch (err) { reject(err); return; }
        tx.oncomplete = function () { resolve(req && req.result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      };
    });
  }

  function b64(buffer) {
    var bytes = new Uint8Array(buffer), s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s);
  }

  function send(record) {
    return fetch(registerUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ public_key: record.publicKey, voter: voter })
    }).then(function (r) { if (!r.ok) { throw new Error("register " + r.status); } return record; });
  }

  // A request whose answer was lost may still have registered the key, and the server then
  // refuses an unsigned ballot of this voter (§14.1). Sent once more, it is answered "ok"
  // for a key already registered; a refusal of the key itself (4xx) is not asked again.
  function register(record) {
    return send(record).catch(function (err) {
      if (/^register 4/.test(err.message)) { throw err; }
      return send(record);
    });
  }

  function deviceKey() {
    return idb("readonly", function (s) { return s.get(storeKey); }).then(function (record) {
      // A key the chain holds needs no registering again: were the network to fail that
      // request, the ballot would go unsigned, which the server refuses once the voter has a
      // registered key (§14.1), though the owner did nothing wrong.
      if (record && registered.indexOf(record.publicKey) >= 0) { return record; }
      if (record) { return register(record); }
      return subtle.generateKey(ALG, false, ["sign", "verify"]).then(function (pair) {
        return subtle.exportKey("spki", pair.publicKey).then(function (spki) {
          var fresh = { pair: pair, publicKey: b64(spki) };
          return idb("readwrite", function (s) { return s.put(fresh, storeKey); })
            .then(function () { return register(fresh); });
        });
      });
    });
  }

  var ready = deviceKey();
  ready.catch(function () { /* the ballot then carries only the server signature */ });

  if (!form) { return; }
  function hex(buffer) {
    var bytes = new Uint8Array(buffer), s = "";
    for (var i = 0; i < bytes.length; i++) { s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return s;
  }

  // The choice is never signed as such: three tries against a published signature would
  // give it away. The device signs a commitment to it, salted with 32 random bytes picked
  // here, so the server cannot pick a salt that lets someone else guess the choice.
  // Keys in sorted order, no spaces: the canonical form the server checks against.
  function commitment(d, salt) {
    var text = JSON.stringify({ choice: d.choice, domain: d.domain, proposal: d.proposal,
                                salt: salt, voter: d.voter });
    return subtle.digest("SHA-256", new TextEncoder().encode(text)).then(hex);
  }

  sign = function () {
    var d = form.dataset;
    var salt = hex(window.crypto.getRandomValues(new Uint8Array(32)));
    ready.then(function (record) {
      return commitment(d, salt).then(function (c) {
        var payload = JSON.stringify({ commitment: c, nonce: d.nonce, proposal: d.proposal, voter: d.voter });
        return subtle.sign({ name: "ECDSA", hash: "SHA-256" }, record.pair.privateKey,
                           new TextEncoder().encode(payload));
      }).then(function (sig) {
        form.elements.salt.value = salt;
        form.elements.public_key.value = record.publicKey;
        form.elements.signature.value = b64(sig);
      });
    }).catch(function () {
      form.elements.salt.value = "";
      form.elements.public_key.value = "";
      form.elements.signature.value = "";
    }).then(function () { form.submit(); });
  };
})();
