/* The calling screen reads each new call aloud (Web Speech API, where the screen's browser
   has a Chinese voice). The call list itself is refreshed by htmx (hx-trigger="every …"). */
document.addEventListener("DOMContentLoaded", function () {
  var el = document.querySelector("[data-screen]");
  if (!el || !window.speechSynthesis) return;
  var first = el.querySelector("tr.fresh");
  var last = first ? first.getAttribute("data-key") : "";
  new MutationObserver(function () {
    var row = el.querySelector("tr.fresh");
    if (!row || row.getAttribute("data-key") === last) return;
    last = row.getAttribute("data-key");
    var u = new SpeechSynthesisUtterance("请" + row.getAttribute("data-call") + "号到" + row.children[1].textContent + "办理");
    u.lang = "zh-CN";
    window.speechSynthesis.speak(u);
  }).observe(el, { childList: true, subtree: true });
});
