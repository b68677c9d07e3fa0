/* 一事 service worker (掌上办). Served at /sw.js by yishi.portal.pwa, which writes
   YISHI_SW_VERSION and YISHI_PRECACHE in front of this file.
   Keeps public guides, notices, theme pages and the home page readable offline; never stores
   anything personal: only GET answers to public paths, and never an answer marked
   Cache-Control private or no-store (the server marks every signed-in answer so). */
/* global YISHI_SW_VERSION, YISHI_PRECACHE */
"use strict";

const STATIC_CACHE = "yishi-static-" + YISHI_SW_VERSION;
const PAGES_CACHE = "yishi-pages-v1";
const OFFLINE_URL = "/offline/";
const PUBLIC_PAGES = [
  /^\/$/,
  /^\/matters\/[^/]+\/$/,
  /^\/matters\/[^/]+\/notice\/$/,
  /^\/themes\/(?:[^/]+\/(?:notice\/)?)?$/,
];
const NEVER = /^\/(?:account|apply|workbench|api|admin)(?:\/|$)/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) {
      return cache.addAll(YISHI_PRECACHE);
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("yishi-static-") === 0 && key !== STATIC_CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// pwa.js asks for this before the sign-out form is sent.
self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "yishi-clear-caches") {
    event.waitUntil(
      caches.keys().then(function (keys) {
        return Promise.all(keys.map(function (key) { return caches.delete(key); }));
      }).then(function () {
        if (event.ports && event.ports[0]) { event.ports[0].postMessage("cleared"); }
      })
    );
  }
});

function isPublicPage(url) {
  if (url.origin !== self.location.origin || url.search || NEVER.test(url.pathname)) {
    return false;
  }
  return PUBLIC_PAGES.some(function (pattern) { return pattern.test(url.pathname); });
}

function mayStore(response) {
  if (!response || response.status !== 200 || response.type !== "basic") { return false; }
  const control = (response.headers.get("Cache-Control") || "").toLowerCase();
  // Set-Cookie is hidden from scripts; the server marks such answers private instead.
  return control.indexOf("private") === -1 && control.indexOf("no-store") === -1;
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || NEVER.test(url.pathname)) { return; }

  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).then(function (response) {
        if (isPublicPage(url) && mayStore(response)) {
          const copy = response.clone();
          caches.open(PAGES_CACHE).then(function (cache) { return cache.put(request, copy); });
        }
        return response;
      }).catch(function () {
        return caches.match(request, { ignoreVary: true }).then(function (cached) {
          return cached || caches.match(OFFLINE_URL);
        });
      })
    );
    return;
  }

  // Static files: the precached copy when the network is gone.
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      fetch(request).catch(function () {
        return caches.match(request).then(function (cached) {
          return cached || Response.error();
        });
      })
    );
  }
});
