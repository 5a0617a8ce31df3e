// The picker, improved in place: everything here also works without it (each button submits
// the form and the server shows it again), this only saves the reload.
// - dates: the browser's offset from UTC for each date typed, so the server reads it in the
//   instructor's time zone (without this script: UTC, and the page says so);
// - the prompt coach while typing (the server's rules, at /deep-linking/coach) and a preview;
// - templates and the coach's rewrites fill the prompt; "Add another activity" adds a block.
(function () {
  "use strict";
  var form = document.getElementById("picker");
  if (!form || !window.fetch) return;
  var coachUrl = form.getAttribute("data-coach-url");
  var token = form.querySelector("input[name=lt]").value;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function zoneName(minutesEast) {
    var sign = minutesEast < 0 ? "−" : "+";
    var abs = Math.abs(minutesEast);
    var utc = "UTC" + sign + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
    var iana = "";
    try { iana = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { iana = ""; }
    return iana ? iana + " (" + utc + ")" : utc;
  }
  function describeZones(root) {
    var east = -new Date().getTimezoneOffset();
    root.querySelectorAll(".tz-note[data-zone-text]").forEach(function (note) {
      note.textContent = note.getAttribute("data-zone-text").replace("{zone}", zoneName(east));
    });
  }
  // The offset at the date chosen (summer and winter time differ), set just before sending.
  function setOffsets() {
    form.querySelectorAll("input[type=datetime-local][data-offset]").forEach(function (input) {
      var hidden = form.querySelector("input[name='" + input.getAttribute("data-offset") + "']");
      if (!hidden) return;
      var when = input.value ? new Date(input.value) : new Date();
      hidden.value = isNaN(when.getTime()) ? "" : String(-when.getTimezoneOffset());
    });
  }

  function ask(textarea) {
    var body = new FormData();
    body.append("lt", token);
    body.append("prompt", textarea.value);
    body.append("number", textarea.getAttribute("data-number") || "1");
    return fetch(coachUrl, { method: "POST", body: body, credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; });
  }
  function coach(textarea) {
    var region = document.getElementById(textarea.getAttribute("data-coach"));
    var preview = document.getElementById(textarea.getAttribute("data-preview"));
    return ask(textarea).then(function (answer) {
      if (!answer) return;
      if (region && region.innerHTML !== answer.html) region.innerHTML = answer.html;
      if (preview && !preview.hidden) preview.querySelector(".preview-body").innerHTML = answer.preview;
    }).catch(function () { /* the save checks again */ });
  }
  var timers = {};
  function soon(textarea) {
    clearTimeout(timers[textarea.id]);
    timers[textarea.id] = setTimeout(function () { coach(textarea); }, 600);
  }
  function fill(textarea, text) {
    textarea.value = text;
    textarea.focus();
    coach(textarea);
  }

  form.addEventListener("input", function (event) {
    if (event.target.classList && event.target.classList.contains("prompt-input")) soon(event.target);
  });
  form.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button") : null;
    if (!button) return;
    var block = button.closest(".picker-item");
    var textarea = block ? block.querySelector("textarea.prompt-input") : null;
    if (button.hasAttribute("data-rewrite") && textarea) {
      event.preventDefault();
      fill(textarea, button.getAttribute("data-rewrite"));
    } else if (button.hasAttribute("data-template-prompt") && textarea) {
      event.preventDefault();
      var details = button.closest("details");
      if (details) details.open = false;
      fill(textarea, button.getAttribute("data-template-prompt"));
    } else if (button.hasAttribute("data-preview-button") && textarea) {
      event.preventDefault();
      var preview = document.getElementById(button.getAttribute("data-preview-button"));
      ask(textarea).then(function (answer) {
        if (!answer) return;
        preview.querySelector(".preview-body").innerHTML = answer.preview;
        preview.hidden = false;
      });
    } else if (button.id === "add-item") {
      var template = document.getElementById("item-template");
      var count = document.getElementById("item-count");
      var next = parseInt(count.value, 10) + 1;
      if (!template || next > 10) return;
      event.preventDefault();
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.split("__N__").join(String(next));
      var added = holder.firstElementChild;
      document.getElementById("items").appendChild(added);
      count.value = String(next);
      describeZones(added);
      var heading = added.querySelector("h2");
      if (heading) heading.focus();
    } else if (button.name === "remove_item" && button.value === document.getElementById("item-count").value) {
      // The last block goes without a reload; any other is renumbered by the server.
      event.preventDefault();
      var count2 = document.getElementById("item-count");
      button.closest(".picker-item").remove();
      count2.value = String(parseInt(count2.value, 10) - 1);
      document.getElementById("add-item").focus();
    }
  });
  form.addEventListener("submit", setOffsets);
  describeZones(document);
})();
