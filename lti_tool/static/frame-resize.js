// LTI frame resize (the message Canvas, Moodle and others honour): tell the LMS page how tall
// this document is, so the iframe fits the content and the page scrolls, not the frame.
// Sent on load and whenever the content's height changes; only when framed.
(function () {
  "use strict";
  if (window.parent === window) return;
  var root = document.documentElement;
  var last = -1;
  function post() {
    // The <html> element's own box: the content's height, not the frame's (scrollHeight never
    // drops below the frame's height, so a frame could grow but never shrink back).
    var height = Math.ceil(root.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
  }
  window.addEventListener("load", post);
  if ("ResizeObserver" in window) {
    new ResizeObserver(post).observe(root);
  }
  post();
})();
