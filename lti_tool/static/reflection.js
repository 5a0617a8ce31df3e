// The reflection page's small helps; every form works without them.
// - a live word count under each reflection box (with the minimum that unlocks peers);
// - "Preview" renders in place (the server renders the Markdown, as it will when posted).
(function () {
  "use strict";
  var WORD = /[\p{L}\p{N}_]+(?:['’-][\p{L}\p{N}_]+)*/gu;

  function countWords(text) {
    var found = text.replace(/\]\([^)]*\)/g, "]").match(WORD);
    return found ? found.length : 0;
  }

  document.querySelectorAll("form.reflection-form").forEach(function (form) {
    var box = form.querySelector("textarea[name=body]");
    var counter = form.querySelector(".word-count");
    if (box && counter) {
      var update = function () {
        var n = countWords(box.value);
        counter.textContent = (n === 1 ? counter.dataset.wordsOne : counter.dataset.wordsMany).replace("{n}", n);
      };
      counter.hidden = false;
      box.addEventListener("input", update);
      update();
    }
    var button = form.querySelector("[data-preview]");
    var target = form.querySelector(".preview");
    if (!button || !target || !window.fetch) return;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      fetch(form.dataset.previewUrl, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "fetch" },
      })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          target.innerHTML = html;  // our own server's fragment: the text already made safe
          window.dispatchEvent(new Event("resize"));
        })
        .catch(function () { form.requestSubmit(button); });
    });
  });
})();
