/* Large-text mode (适老化) and print button. Loaded in <head> so the saved text size applies
   before the first paint. */
(function () {
  var KEY = "yishi-large-text";
  var root = document.documentElement;
  try {
    if (localStorage.getItem(KEY) === "1") root.classList.add("large-text");
  } catch (e) { /* storage may be disabled */ }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-text-toggle]");
    if (toggle) {
      var sync = function () {
        var on = root.classList.contains("large-text");
        // A toggle button keeps its name; aria-pressed tells its state.
        toggle.setAttribute("aria-pressed", on ? "true" : "false");
      };
      sync();
      toggle.addEventListener("click", function () {
        root.classList.toggle("large-text");
        try {
          localStorage.setItem(KEY, root.classList.contains("large-text") ? "1" : "0");
        } catch (e) { /* ignore */ }
        sync();
      });
    }
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
