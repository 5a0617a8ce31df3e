/* LTI Platform Storage (LTI Client Side postMessages): keep the OIDC state in the LMS's
 * storage when the browser blocks our cookie inside the LMS iframe.
 *
 * The page carries its configuration in data- attributes of #lti-storage:
 *   data-action  "put" (login: store state and nonce, then go to the LMS's auth URL)
 *                "get" (launch: read them back and post them to /lti/launch/verify)
 *   data-target  the lti_storage_target frame name the LMS gave ("_parent" = the parent)
 *   data-origin  the LMS's origin: messages go only there and are accepted only from there
 *   data-no-answer  the "storage did not answer ({reason})" sentence in the reader's language
 */
(function () {
  "use strict";
  var TIMEOUT_MS = 3000;
  var box = document.getElementById("lti-storage");
  if (!box) { return; }
  var cfg = box.dataset;

  function targetWindow() {
    var parent = window.parent;
    if (cfg.target && cfg.target !== "_parent") {
      try { if (parent.frames[cfg.target]) { return parent.frames[cfg.target]; } } catch (e) { /* cross-origin lookup refused: use the parent */ }
    }
    return parent;
  }

  function newId() {
    return "peerloop-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  // One request, one answer with the same message_id from the LMS's origin, or an error.
  function send(subject, payload) {
    return new Promise(function (resolve, reject) {
      var id = newId();
      var timer = setTimeout(function () { cleanup(); reject(new Error("no answer from the LMS")); }, TIMEOUT_MS);
      function cleanup() { clearTimeout(timer); window.removeEventListener("message", onMessage); }
      function onMessage(event) {
        if (event.origin !== cfg.origin) { return; }
        var data = event.data || {};
        if (data.subject !== subject + ".response" || data.message_id !== id) { return; }
        cleanup();
        if (data.error) { reject(new Error(data.error.message || data.error.code || "error")); }
        else { resolve(data); }
      }
      window.addEventListener("message", onMessage);
      var message = { subject: subject, message_id: id };
      Object.keys(payload).forEach(function (k) { message[k] = payload[k]; });
      targetWindow().postMessage(message, cfg.origin);
    });
  }

  function put(key, value) { return send("lti.put_data", { key: key, value: value }); }
  function get(key) { return send("lti.get_data", { key: key }).then(function (d) { return d.value; }); }

  function showFallback(reason) {
    var status = document.getElementById("storage-status");
    var fallback = document.getElementById("storage-fallback");
    // The sentence comes translated from the page (data-no-answer), "{reason}" marking the slot.
    var text = cfg.noAnswer || "The LMS's storage did not answer ({reason}).";
    if (status) { status.textContent = text.replace("{reason}", reason); }
    if (fallback) { fallback.hidden = false; }
  }

  if (cfg.action === "put") {
    var done = function () { window.location.href = cfg.authUrl; };
    Promise.all([put("state_" + cfg.state, cfg.state), put("nonce_" + cfg.nonce, cfg.nonce)])
      // Without storage the cookie may still work: continue either way.
      .then(done, done);
  } else if (cfg.action === "get") {
    Promise.all([get("state_" + cfg.state), get("nonce_" + cfg.nonce)]).then(function (values) {
      var form = document.getElementById("storage-verify");
      form.elements.storage_state.value = values[0] || "";
      form.elements.storage_nonce.value = values[1] || "";
      form.submit();
    }, function (error) { showFallback(error.message); });
  }
})();
