// Tells Peerloop when this activity page is shown (``initialized``) and left (``terminated``),
// for the xAPI record. The launch token travels in the body: sendBeacon cannot set headers,
// and cookies are third-party inside the LMS iframe. The server keeps only the first view per
// learner and one end per launch, so sending again (bfcache restore, reload) is harmless.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.eventsUrl || !script.dataset.launchToken) {
    return;
  }
  var url = script.dataset.eventsUrl;

  function send(event) {
    var body = new URLSearchParams();
    body.set("lt", script.dataset.launchToken);
    body.set("event", event);
    if (script.dataset.placement) {
      body.set("placement", script.dataset.placement);
    }
    // sendBeacon survives the page being unloaded; fetch keepalive is the fallback.
    if (navigator.sendBeacon && navigator.sendBeacon(url, body)) {
      return;
    }
    if (window.fetch) {
      fetch(url, { method: "POST", body: body, keepalive: true, credentials: "omit" })
        .catch(function () { /* the record is best effort; the page must not break */ });
    }
  }

  function shown() {
    if (document.visibilityState === "visible") {
      document.removeEventListener("visibilitychange", shown);
      send("initialized");
    }
  }

  // A page opened in a background tab is not "shown" until it becomes visible.
  if (document.visibilityState === "visible") {
    send("initialized");
  } else {
    document.addEventListener("visibilitychange", shown);
  }
  // A form of this page posting to the tool (e.g. "Re-send all") leads to another page of
  // the same launch, which reports the end itself: only leaving the tool ends the session.
  var staying = false;
  document.addEventListener("submit", function (event) {
    var action = event.target && event.target.action;
    staying = !event.defaultPrevented && !!action &&
      new URL(action, location.href).origin === location.origin;
  });
  window.addEventListener("pagehide", function () {
    if (!staying) {
      send("terminated");
    }
  });
})();
