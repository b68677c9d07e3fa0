/* Large-text mode (适老化), print button and the phone menu. Loaded in <head> so the saved text
   size applies, and the phone menu starts closed, before the first paint. */
(function () {
  var KEY = "yishi-large-text";
  var root = document.documentElement;
  // Without this class (no script) the navigation list simply stays open on a phone.
  root.classList.add("js");
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

    // The 菜单 button (shown at 640 px and below by the stylesheet): it opens and closes the
    // navigation list; the list is hidden on a phone while it lacks "is-open".
    var menu = document.querySelector("[data-nav-toggle]");
    var list = menu && document.getElementById(menu.getAttribute("aria-controls"));
    if (menu && list) {
      var isOpen = function () { return menu.getAttribute("aria-expanded") === "true"; };
      var setOpen = function (open) {
        menu.setAttribute("aria-expanded", open ? "true" : "false");
        list.classList.toggle("is-open", open);
      };
      menu.addEventListener("click", function () { setOpen(!isOpen()); });
      // Escape, pressed in the menu or on its button, closes it and returns the focus.
      document.addEventListener("keydown", function (event) {
        var inside = event.target === menu || list.contains(event.target);
        if (event.key === "Escape" && isOpen() && inside) {
          setOpen(false);
          menu.focus();
        }
      });
    }
  });
})();
