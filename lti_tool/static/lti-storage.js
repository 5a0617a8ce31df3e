/* LTI Platform Storage (LTI Client Side postMessages): keep the OIDC state in the LMS's
 * storage when the browser blocks our cookie inside the LMS iframe.
 *
 * The page carries its configuration in data- attributes of #lti-storage:
 *   data-action  "put" (login: store state and nonce, then go to the LMS's auth URL)
 *                "get" (launch: read them back and post them to /lti/launch/verify)
 *   data-target  the lti_storage_target frame name the LMS gave ("_parent" = the parent)
 *   data-origin  the origin of the LMS's storage frame: messages go there and answers are
 *                accepted from there (Canvas without its forwarding frame: see defaultTarget)
 *   data-no-answer  the "storage did not answer ({reason})" sentence in the reader's language
 */
(function () {
  "use strict";
  var TIMEOUT_MS = 3000;
  var CAPABILITIES_TIMEOUT_MS = 1000;
  var box = document.getElementById("lti-storage");
  if (!box) { return; }
  var cfg = box.dataset;

  // Where a message goes: {win, origin} (origin is postMessage's target origin; "*" only
  // where the LMS's own rule says so). Answers are accepted from that window only, and from
  // that origin unless it is "*".
  function defaultTarget() {
    var parent = window.parent;
    if (cfg.target && cfg.target !== "_parent") {
      try { if (parent.frames[cfg.target]) { return { win: parent.frames[cfg.target], origin: cfg.origin }; } } catch (e) { /* cross-origin lookup refused */ }
      // Canvas: when its forwarding frame is missing (its rich content editor), post to the
      // parent with target origin "*", as Canvas documents.
      return { win: parent, origin: "*" };
    }
    return { win: parent, origin: cfg.origin };
  }

  function newId() {
    return "peerloop-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  // One request to `dest`, one answer with the same message_id, or an error.
  function exchange(dest, subject, payload, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var id = newId();
      var timer = setTimeout(function () { cleanup(); reject(new Error("no answer from the LMS")); }, timeoutMs);
      function cleanup() { clearTimeout(timer); window.removeEventListener("message", onMessage); }
      function onMessage(event) {
        if (event.source !== dest.win) { return; }
        if (dest.origin !== "*" && event.origin !== dest.origin) { return; }
        var data = event.data || {};
        if (data.subject !== subject + ".response" || data.message_id !== id) { return; }
        cleanup();
        if (data.error) { reject(new Error(data.error.message || data.error.code || "error")); }
        else { resolve({ data: data, origin: event.origin }); }
      }
      window.addEventListener("message", onMessage);
      var message = { subject: subject, message_id: id };
      Object.keys(payload).forEach(function (k) { message[k] = payload[k]; });
      dest.win.postMessage(message, dest.origin);
    });
  }

  // lti.capabilities first: the LMS says which messages it takes and in which frame. An LMS
  // that does not answer gets the lti_storage_target rule instead (null).
  var capabilities = exchange({ win: window.parent, origin: "*" }, "lti.capabilities", {}, CAPABILITIES_TIMEOUT_MS)
    .then(function (answer) {
      var found = {};
      (answer.data.supported_messages || []).forEach(function (m) {
        if (m && typeof m.subject === "string") { found[m.subject] = { frame: m.frame, origin: answer.origin }; }
      });
      return found;
    }, function () { return null; });

  function targetFor(subject, found) {
    if (!found) { return defaultTarget(); }
    var entry = found[subject];
    if (!entry) { return null; }
    if (entry.frame) {
      try { if (window.parent.frames[entry.frame]) { return { win: window.parent.frames[entry.frame], origin: cfg.origin }; } } catch (e) { /* refused */ }
      return defaultTarget();
    }
    // No frame named: the window that answered takes it, at the origin it answered from.
    return { win: window.parent, origin: entry.origin };
  }

  function send(subject, payload) {
    return capabilities.then(function (found) {
      var dest = targetFor(subject, found);
      if (!dest) { throw new Error("the LMS does not offer " + subject); }
      return exchange(dest, subject, payload, TIMEOUT_MS).then(function (answer) { return answer.data; });
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
