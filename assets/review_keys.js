// Identity review shortcuts: a = same customer, r = different customers, s = skip, j = next, k = previous.
// Each key clicks the page's own button, so a key does exactly what the button does (and nothing when it is
// disabled or absent). Keys typed into a field, or with a modifier, are left alone.
(function () {
  "use strict";
  var BUTTONS = {
    a: "review-accept",
    r: "review-reject",
    s: "review-skip",
    j: "review-next",
    k: "review-previous"
  };
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat) {
      return;
    }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    var id = BUTTONS[event.key];
    var button = id && document.getElementById(id);
    if (!button || button.disabled) {
      return;
    }
    event.preventDefault();
    button.click();
  });
})();
