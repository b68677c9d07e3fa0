/* 掌上办: registers the service worker (/sw.js, scope /). Before the sign-out form is sent,
   the worker's caches are emptied (shared phones and kiosks); the server's
   Clear-Site-Data header on the sign-out answer does the same where browsers support it. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.caches) { return; }

  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
    /* Without a worker the site works as before, only not offline. */
  });

  function clearCaches() {
    return caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (key) { return caches.delete(key); }));
    });
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.dataset.cachesCleared === "1") { return; }
    if (!/\/account\/logout\/?$/.test(new URL(form.action, location.href).pathname)) { return; }
    event.preventDefault();
    // Never keep the user waiting on a cache: sign out after 1.5 s whatever happens.
    const timeout = new Promise(function (resolve) { setTimeout(resolve, 1500); });
    Promise.race([clearCaches(), timeout]).catch(function () {}).then(function () {
      form.dataset.cachesCleared = "1";
      form.submit();
    });
  });
})();
