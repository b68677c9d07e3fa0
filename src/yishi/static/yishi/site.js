/* 关怀版 (care mode: large text, high contrast, read-aloud, help), print button and the phone
   menu. Loaded in <head> so the saved mode applies, and the phone menu starts closed, before the
   first paint. Care mode is kept in localStorage and in a cookie (yishi_care) the server reads
   to render the page already in care mode; care.js does the read-aloud. */
(function () {
  var KEY = "yishi-care";
  var OLD_KEY = "yishi-large-text"; // the former 大字模式 setting, carried over
  var COOKIE = "yishi_care";
  var root = document.documentElement;
  // Without this class (no script) the navigation list simply stays open on a phone.
  root.classList.add("js");

  var setMode = function (on) {
    root.classList.toggle("care", on);
    root.classList.toggle("large-text", on);
  };
  var remember = function (on) {
    try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* storage may be disabled */ }
    document.cookie = COOKIE + "=" + (on ? "1" : "0") + "; path=/; max-age=31536000; SameSite=Lax";
  };
  var saved = null;
  try {
    saved = localStorage.getItem(KEY);
    if (saved === null && localStorage.getItem(OLD_KEY) === "1") saved = "1";
  } catch (e) { /* storage may be disabled: the cookie (server-rendered class) still holds */ }
  if (saved === "1" || saved === "0") {
    setMode(saved === "1");
    // Keep the cookie in step, so the next page comes from the server in the same mode.
    if ((document.cookie.indexOf(COOKIE + "=1") !== -1) !== (saved === "1")) remember(saved === "1");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-care-toggle]");
    if (toggle) {
      var sync = function () {
        var on = root.classList.contains("care");
        // A toggle button keeps its name; aria-pressed tells its state.
        toggle.setAttribute("aria-pressed", on ? "true" : "false");
      };
      sync();
      toggle.addEventListener("click", function () {
        var on = !root.classList.contains("care");
        setMode(on);
        remember(on);
        sync();
        document.dispatchEvent(new CustomEvent("yishi:care", { detail: { on: on } }));
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
