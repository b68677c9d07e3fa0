/* 政务服务数字地图 and the 就近办 block (hall/_map.html, hall/_nearby.html).
 *
 * The page is whole without this script: the outlets are a server-rendered list with their
 * cards. Here Leaflet draws them as markers by layer (with clustering), a marker's popup is
 * a copy of the outlet's card from the list, the layer toggles hide markers and list items,
 * and in the 就近办 block "使用我的位置" asks the nearest-outlet API and reorders the list.
 * Tiles come from the configured tile server; when they do not load the markers stay on a
 * plain background. No inline script or style: data comes from the JSON element. */
(function () {
  "use strict";

  var dataEl = document.getElementById("outlets-data");
  var mapEl = document.querySelector("[data-service-map]");
  if (!dataEl || !mapEl) return;
  var data = JSON.parse(dataEl.textContent);

  function cardFor(code) {
    var card = document.querySelector('[data-outlet-card="' + code + '"]');
    if (card) return card.cloneNode(true);
    // A page without the cards (the hall list): name and a link to the map page's card.
    var o = (data.outlets || []).filter(function (x) { return x.code === code; })[0];
    var box = document.createElement("div");
    box.className = "svc-card";
    var h = document.createElement("h3");
    h.className = "svc-card__name";
    h.textContent = o ? o.name : code;
    var a = document.createElement("a");
    a.href = "/map/#outlet-" + code;
    a.textContent = "查看地址、开放时间和导航";
    box.appendChild(h);
    box.appendChild(a);
    return box;
  }

  var markers = {};
  var allMarkers = [];
  var map = null;
  var group = null;

  function initMap() {
    if (typeof window.L === "undefined") return; // Leaflet missing: the list is the page
    var L = window.L;
    mapEl.textContent = "";
    mapEl.classList.add("svc-map--ready");
    map = L.map(mapEl, { scrollWheelZoom: false, zoomControl: true });
    if (data.tiles) {
      L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map);
    }
    group = L.markerClusterGroup
      ? L.markerClusterGroup({ maxClusterRadius: 36, disableClusteringAtZoom: 15 })
      : L.layerGroup();
    var bounds = [];
    (data.outlets || []).forEach(function (o) {
      if (o.lat === null || o.lng === null) return;
      var icon = L.divIcon({
        className: "svc-marker svc-marker--" + o.kind,
        html: "<span class=\"svc-marker__dot\"></span>",
        iconSize: [28, 28],
        iconAnchor: [14, 14],
        popupAnchor: [0, -12]
      });
      var m = L.marker([o.lat, o.lng], { icon: icon, title: o.name, alt: o.name, keyboard: true });
      m.bindPopup(function () { return cardFor(o.code); }, { maxWidth: 300, minWidth: 220 });
      // Short permanent labels: without tiles they are what tells the markers apart.
      m.bindTooltip(o.name.replace(/便民服务(中心|站)$/, ""), {
        permanent: true, direction: "right", offset: [12, 0], className: "svc-tip"
      });
      m.outletCode = o.code;
      markers[o.code] = m;
      m.outletLayers = o.layers || [o.kind];
      allMarkers.push(m);
      group.addLayer(m);
      bounds.push([o.lat, o.lng]);
    });
    group.addTo(map);
    if (bounds.length) {
      map.fitBounds(bounds, { paddingTopLeft: [60, 40], paddingBottomRight: [90, 40], maxZoom: 14 });
    } else {
      map.setView([30.1, 114.6], 10);
    }
  }

  function showOnMap(code) {
    var m = markers[code];
    if (!m || !map) return;
    var open = function () { m.openPopup(); };
    if (group && group.zoomToShowLayer) {
      group.zoomToShowLayer(m, open);
    } else {
      map.setView(m.getLatLng(), 15);
      open();
    }
    mapEl.scrollIntoView({ block: "nearest" });
  }

  function addShowButtons() {
    document.querySelectorAll("[data-outlet-card]").forEach(function (card) {
      var code = card.getAttribute("data-outlet-card");
      if (!markers[code]) return;
      var actions = card.querySelector(".svc-card__actions");
      if (!actions) return;
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn--ghost svc-show";
      b.textContent = "在地图上查看";
      b.addEventListener("click", function () { showOnMap(code); });
      actions.appendChild(b);
    });
  }

  // An outlet sits on every layer it belongs to (its kind, and 跨域通办 when it has such a
  // window); it shows while at least one of them is ticked.
  function wireLayers() {
    var box = document.querySelector("[data-map-layers]");
    if (!box) return;
    box.addEventListener("change", function (ev) {
      var input = ev.target;
      if (!input || input.name !== "layer") return;
      var on = {};
      box.querySelectorAll('input[name="layer"]').forEach(function (i) { on[i.value] = i.checked; });
      var shown = function (layers) {
        return layers.some(function (k) { return on[k]; });
      };
      allMarkers.forEach(function (m) {
        if (!group) return;
        if (shown(m.outletLayers)) group.addLayer(m); else group.removeLayer(m);
      });
      document.querySelectorAll("li[data-layers]").forEach(function (li) {
        li.hidden = !shown(li.getAttribute("data-layers").split(" "));
      });
    });
  }

  function wireNearby() {
    var box = document.querySelector("[data-nearby]");
    if (!box) return;
    var button = box.querySelector("[data-use-position]");
    var status = box.querySelector("[data-position-status]");
    var list = box.querySelector(".svc-nearby__list");
    if (!button || !list || !navigator.geolocation || !window.fetch) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "正在获取您的位置…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        var q = new URLSearchParams({
          lat: pos.coords.latitude.toFixed(6),
          lng: pos.coords.longitude.toFixed(6),
          limit: "50"
        });
        if (box.dataset.matter) q.set("matter", box.dataset.matter);
        if (box.dataset.theme) q.set("theme", box.dataset.theme);
        fetch(box.dataset.api + "?" + q.toString(), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
          .then(function (body) {
            var items = body.items || [];
            items.slice().reverse().forEach(function (it) {
              var li = list.querySelector('li[data-code="' + it.code + '"]');
              if (!li) return;
              var d = li.querySelector("[data-distance]");
              if (d) {
                d.textContent = it.distance_m >= 1000
                  ? "距离约 " + (it.distance_m / 1000).toFixed(1) + " 公里"
                  : "距离约 " + Math.round(it.distance_m) + " 米";
              }
              list.insertBefore(li, list.firstChild);
            });
            status.textContent = "已按与您的距离由近到远排列。";
          })
          .catch(function () { status.textContent = "暂时无法排序，请按乡镇选择。"; });
      }, function () {
        status.textContent = "未能获取您的位置，请按乡镇选择。";
      }, { timeout: 10000, maximumAge: 300000 });
    });
  }

  function start() {
    initMap();
    addShowButtons();
    wireLayers();
    wireNearby();
    var hash = window.location.hash;
    if (hash.indexOf("#outlet-") === 0) showOnMap(hash.slice(8));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
