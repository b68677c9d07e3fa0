/* 远程视频办理: the video session between a resident and a clerk.
   WebRTC (plain RTCPeerConnection, "perfect negotiation": the resident is the polite peer),
   signalling over the session's websocket (/ws/remote/<id>/), which relays offers, answers,
   ICE candidates and which stream is which ("camera", the clerk's "screen", the resident's
   "document" camera) to the other member only. The same socket carries chat, the fields
   the clerk fills (shown live on the resident's screen) and the resident's confirmation.
   The page's root element tells the state: data-peer-state is the connection's state
   ("new", "connecting", "connected", …). No inline code anywhere (CSP). */
(function () {
  "use strict";

  var MEDIA_MESSAGES = {
    NotAllowedError: "您没有允许本页使用摄像头和麦克风，视频办理无法进行。请点击浏览器地址栏左侧的图标，把“摄像头”和“麦克风”设为“允许”，然后刷新本页。",
    SecurityError: "浏览器不允许本页使用摄像头和麦克风。请在浏览器设置中允许后刷新本页。",
    NotFoundError: "没有找到摄像头或麦克风。请确认设备已连接好；没有设备的，可以到就近的乡镇、村便民服务点使用远程服务终端办理。",
    OverconstrainedError: "没有找到可用的摄像头或麦克风。请确认设备已连接好后刷新本页。",
    NotReadableError: "摄像头或麦克风正被其他程序占用。请关闭其他正在使用摄像头的程序后刷新本页。",
    NotSupported: "当前浏览器不支持视频通话。请使用最新版本的浏览器（如手机自带浏览器、Chrome 或 Edge）打开本页。"
  };
  var PEER_LABELS = {
    "new": "正在等待对方接入…",
    "connecting": "正在连接…",
    "connected": "已接通",
    "disconnected": "连接中断，正在重新连接…",
    "failed": "连接失败，请刷新本页重试",
    "closed": "通话已结束"
  };

  var OK_TEXT = {card: "一致", sms: "已验证", visual: "一致，核验通过"};

  function mediaMessage(error) {
    return MEDIA_MESSAGES[error && error.name] ||
      "无法打开摄像头或麦克风，请刷新本页重试；仍不行请拨打 12345 求助。";
  }

  function $(root, selector) { return root.querySelector(selector); }
  function setText(el, value) { if (el) { el.textContent = value; } }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function flash(root, message, ok) {
    var el = $(root, "[data-flash]");
    if (!el || !message) { return; }
    el.textContent = message;
    el.className = "alert " + (ok ? "alert--ok" : "alert--error");
    el.hidden = false;
  }

  /* ------------------------------------------------------------ waiting */

  function waitForCall(root) {
    var url = root.getAttribute("data-status-url");
    function poll() {
      fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.status !== "waiting") { window.location.reload(); return; }
          setText($(root, "[data-ahead]"), String(data.ahead));
          setText($(root, "[data-wait]"), String(data.wait_minutes));
          window.setTimeout(poll, 4000);
        })
        .catch(function () { window.setTimeout(poll, 8000); });
    }
    window.setTimeout(poll, 3000);
  }

  /* ------------------------------------------------------------ the session */

  function start(root) {
    var role = root.getAttribute("data-role");
    var polite = role === "person";
    var extraKind = role === "clerk" ? "screen" : "document";
    var remoteExtraKind = role === "clerk" ? "document" : "screen";
    var iceEl = document.getElementById("remote-ice");
    var iceServers = iceEl ? JSON.parse(iceEl.textContent) : [];
    var socket = null;
    var pc = null;
    var makingOffer = false;
    var ignoreOffer = false;
    var chain = Promise.resolve();
    var localCamera = null;
    var extraStream = null;
    var remoteKinds = {};
    var remoteStreams = {};
    var remoteCamera = null;
    var reported = false;
    var sending = false;
    var recorder = null;
    var recorderDone = null;
    var ended = false;
    var mediaReady = null;

    function setPeerState(state) {
      root.setAttribute("data-peer-state", state);
      setText($(root, "[data-peer-label]"), PEER_LABELS[state] || state);
    }

    function send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); }
    }
    function signal(data) { send({type: "signal", data: data}); }

    function showMediaError(error) {
      var box = $(root, "[data-media-error]");
      setText($(root, "[data-media-error-text]"), mediaMessage(error));
      if (box) { box.hidden = false; }
      root.setAttribute("data-media-failure", (error && error.name) || "error");
    }

    function play(video) {
      var started = video.play();
      if (started && started.catch) {
        started.catch(function () {
          // Autoplay with sound needs a tap on some phones.
          flash(root, "请点击视频画面开始播放声音。", true);
          video.addEventListener("click", function () { video.play(); }, {once: true});
        });
      }
    }

    function openMedia() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        showMediaError({name: "NotSupported"});
        return Promise.resolve(null);
      }
      return navigator.mediaDevices.getUserMedia({video: true, audio: true})
        .then(function (stream) {
          localCamera = stream;
          var video = $(root, "[data-local-camera]");
          if (video) { video.srcObject = stream; play(video); }
          listCameras();
          return stream;
        })
        .catch(function (error) { showMediaError(error); return null; });
    }

    function listCameras() {
      var select = $(root, "[data-doc-device]");
      if (!select || !navigator.mediaDevices.enumerateDevices) { return; }
      navigator.mediaDevices.enumerateDevices().then(function (devices) {
        devices.filter(function (d) { return d.kind === "videoinput"; }).forEach(function (d, i) {
          var option = document.createElement("option");
          option.value = d.deviceId;
          option.textContent = d.label || ("摄像头 " + (i + 1));
          select.appendChild(option);
        });
      });
    }

    function announce() {
      var kinds = {};
      if (localCamera) { kinds[localCamera.id] = "camera"; }
      if (extraStream) { kinds[extraStream.id] = extraKind; }
      signal({streams: kinds});
    }

    function render() {
      Object.keys(remoteStreams).forEach(function (id) {
        var stream = remoteStreams[id];
        var kind = remoteKinds[id] || "camera";
        if (kind === "camera") {
          remoteCamera = stream;
          var video = $(root, "[data-remote-camera]");
          if (video && video.srcObject !== stream) { video.srcObject = stream; play(video); }
          startRecording();
        } else if (kind === remoteExtraKind) {
          var extra = $(root, "[data-remote-" + kind + "]");
          var live = stream.getVideoTracks().some(function (t) { return t.readyState === "live"; });
          if (extra) {
            if (extra.srcObject !== stream) {
              extra.srcObject = stream;
              extra.addEventListener("loadeddata", function () {
                extra.setAttribute("data-track", "playing");
              }, {once: true});
              play(extra);
            }
            extra.setAttribute("data-track", live ? (extra.getAttribute("data-track") === "playing" ? "playing" : "live") : "ended");
            $(root, "[data-remote-extra]").hidden = !live;
          }
        }
      });
    }

    /* The clerk offers first; the resident answers, adding its own tracks to the offered
       transceivers (so the first negotiation has no glare). Later changes — the clerk's
       screen, the resident's document camera — renegotiate from either side ("perfect
       negotiation": the resident is the polite peer). */
    function addLocal() {
      if (sending) { return; }
      sending = true;
      announce();
      if (localCamera) {
        localCamera.getTracks().forEach(function (t) { pc.addTrack(t, localCamera); });
      } else {
        pc.addTransceiver("audio", {direction: "recvonly"});
        pc.addTransceiver("video", {direction: "recvonly"});
      }
      if (extraStream) { extraStream.getTracks().forEach(function (t) { pc.addTrack(t, extraStream); }); }
    }

    function makePeer() {
      if (pc) { pc.close(); }
      sending = false;
      remoteStreams = {};
      reported = false;
      pc = new RTCPeerConnection({iceServers: iceServers});
      var mine = pc;
      pc.onicecandidate = function (e) { if (e.candidate && mine === pc) { signal({candidate: e.candidate.toJSON()}); } };
      pc.onnegotiationneeded = function () {
        makingOffer = true;
        mine.setLocalDescription()
          .then(function () { signal({description: mine.localDescription.toJSON()}); })
          .catch(function (e) { console.warn("offer", e); })
          .then(function () { makingOffer = false; });
      };
      pc.onconnectionstatechange = function () {
        if (mine !== pc) { return; }
        setPeerState(pc.connectionState);
        if (pc.connectionState === "connected" && role === "clerk" && !reported) {
          reported = true;
          send({type: "connected"});
        }
      };
      pc.ontrack = function (e) {
        var stream = e.streams[0] || new MediaStream([e.track]);
        remoteStreams[stream.id] = stream;
        stream.onremovetrack = render;
        e.track.onended = render;
        e.track.onmute = render;
        e.track.onunmute = render;
        render();
      };
      if (!polite) { addLocal(); }
      setPeerState(pc.connectionState);
    }

    function onSignal(data) {
      if (data.streams) {
        remoteKinds = data.streams;
        render();
        return Promise.resolve();
      }
      if (!pc) {
        // Only an offer starts a connection (candidates of a closed one are dropped).
        if (!(data.description && data.description.type === "offer")) { return Promise.resolve(); }
        makePeer();
      }
      var peer = pc;
      if (data.description) {
        var offer = data.description.type === "offer";
        var collision = offer && (makingOffer || peer.signalingState !== "stable");
        ignoreOffer = !polite && collision;
        if (ignoreOffer) { return Promise.resolve(); }
        return peer.setRemoteDescription(data.description).then(function () {
          if (!offer) { return null; }
          if (peer === pc) { addLocal(); }
          return peer.setLocalDescription().then(function () {
            signal({description: peer.localDescription.toJSON()});
          });
        }).catch(function (e) { console.warn("description", e); });
      }
      if (data.candidate) {
        return peer.addIceCandidate(data.candidate).catch(function (e) {
          if (!ignoreOffer) { console.warn("candidate", e); }
        });
      }
      return Promise.resolve();
    }

    /* -------------------------------------------------------- extra video tracks */

    function addExtra(stream) {
      extraStream = stream;
      announce();
      if (pc && sending) { stream.getTracks().forEach(function (t) { pc.addTrack(t, stream); }); }
      stream.getVideoTracks().forEach(function (t) { t.onended = stopExtra; });
    }

    function stopExtra() {
      if (!extraStream) { return; }
      var tracks = extraStream.getTracks();
      if (pc) {
        pc.getSenders().forEach(function (s) {
          if (s.track && tracks.indexOf(s.track) >= 0) { pc.removeTrack(s); }
        });
      }
      tracks.forEach(function (t) { t.stop(); });
      extraStream = null;
      var stop = $(root, "[data-share-stop]");
      if (stop) { stop.hidden = true; }
      root.removeAttribute("data-sharing");
    }

    var share = $(root, "[data-share-screen]");
    if (share) {
      share.addEventListener("click", function () {
        if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) {
          flash(root, "当前浏览器不支持共享屏幕，请使用最新版本的 Chrome 或 Edge。", false);
          return;
        }
        navigator.mediaDevices.getDisplayMedia({video: true, audio: false}).then(function (stream) {
          stopExtra();
          addExtra(stream);
          root.setAttribute("data-sharing", "screen");
          var stop = $(root, "[data-share-stop]");
          if (stop) { stop.hidden = false; }
          flash(root, "正在共享您的屏幕。", true);
        }).catch(function (error) {
          flash(root, error && error.name === "NotAllowedError" ? "您取消了共享屏幕。" : "无法共享屏幕：" + mediaMessage(error), false);
        });
      });
      $(root, "[data-share-stop]").addEventListener("click", stopExtra);
    }

    var docStart = $(root, "[data-doc-start]");
    if (docStart) {
      docStart.addEventListener("click", function () {
        var id = $(root, "[data-doc-device]").value;
        navigator.mediaDevices.getUserMedia({video: id ? {deviceId: {exact: id}} : true, audio: false})
          .then(function (stream) {
            stopExtra();
            addExtra(stream);
            root.setAttribute("data-sharing", "document");
            flash(root, "已开启文件拍摄，请把材料放在镜头下。", true);
          })
          .catch(function (error) { flash(root, mediaMessage(error), false); });
      });
    }

    /* -------------------------------------------------------- recording (clerk) */

    function startRecording() {
      if (role !== "clerk" || recorder || ended || root.getAttribute("data-consent") !== "yes") { return; }
      if (!remoteCamera || !window.MediaRecorder) { return; }
      var tracks = remoteCamera.getVideoTracks().slice();
      try {
        var Ctx = window.AudioContext || window.webkitAudioContext;
        var audio = new Ctx();
        var mix = audio.createMediaStreamDestination();
        [remoteCamera, localCamera].forEach(function (s) {
          if (s && s.getAudioTracks().length) { audio.createMediaStreamSource(s).connect(mix); }
        });
        tracks = tracks.concat(mix.stream.getAudioTracks());
      } catch (e) { console.warn("audio mix", e); }
      var types = ["video/webm;codecs=vp8,opus", "video/webm"];
      var type = types.filter(function (t) { return MediaRecorder.isTypeSupported(t); })[0];
      // About 100 KB a second: a 3-second piece stays well under the body limit of a request.
      var options = {videoBitsPerSecond: 700000, audioBitsPerSecond: 64000};
      if (type) { options.mimeType = type; }
      recorder = new MediaRecorder(new MediaStream(tracks), options);
      var seq = 0;
      var uploads = [];
      var url = root.getAttribute("data-recording-url");
      recorder.ondataavailable = function (e) {
        if (!e.data || !e.data.size) { return; }
        uploads.push(fetch(url, {
          method: "POST",
          body: e.data,
          credentials: "same-origin",
          headers: {"Content-Type": "video/webm", "X-Recording-Seq": String(seq++), "X-CSRFToken": csrfToken(), "Accept": "application/json"}
        }).catch(function (err) { console.warn("recording upload", err); }));
      };
      recorderDone = new Promise(function (resolve) {
        recorder.onstop = function () { window.setTimeout(function () { Promise.all(uploads).then(resolve, resolve); }, 0); };
      });
      recorder.start(3000);
      root.setAttribute("data-recording", "on");
      setText($(root, "[data-recording-state]"), "正在录像（群众已同意）");
    }

    function stopRecording() {
      if (!recorder || recorder.state === "inactive") { return Promise.resolve(); }
      recorder.stop();
      root.setAttribute("data-recording", "off");
      return recorderDone;
    }

    /* -------------------------------------------------------- events from the server */

    function step(name, ok, message) {
      var li = $(root, '[data-identity-step="' + name + '"]');
      if (li) {
        li.setAttribute("data-ok", ok ? "yes" : "no");
        setText(li.querySelector("[data-step-text]"), ok ? message : "未通过");
      }
      if (!ok) { flash(root, message, false); }
    }

    function addChat(m) {
      var log = $(root, "[data-log]");
      if (!log) { return; }
      var li = document.createElement("li");
      li.className = "remote-msg remote-msg--" + m.sender;
      var who = document.createElement("span");
      who.className = "remote-msg__who";
      who.textContent = m.sender === role ? "我" : (m.sender === "clerk" ? "工作人员" : "群众");
      var at = document.createElement("span");
      at.className = "muted small";
      at.textContent = " " + m.at;
      var body = document.createElement("p");
      body.textContent = m.body;
      li.appendChild(who);
      li.appendChild(at);
      li.appendChild(body);
      log.appendChild(li);
      li.scrollIntoView({block: "nearest"});
    }

    function finish(event) {
      ended = true;
      stopRecording();
      stopExtra();
      if (pc) { pc.close(); }
      [localCamera].forEach(function (s) { if (s) { s.getTracks().forEach(function (t) { t.stop(); }); } });
      setPeerState("closed");
      setText($(root, "[data-status-label]"), "已结束");
      if (role === "clerk") { window.location.assign("/workbench/remote/"); return; }
      var box = $(root, "[data-ended]");
      var link = $(root, "[data-rate-link]");
      if (link && event.rate_url) { link.href = event.rate_url; } else if (link) { link.hidden = true; }
      if (box) { box.hidden = false; }
      root.setAttribute("data-status", "ended");
    }

    function onEvent(event) {
      if (root.hasAttribute("data-debug")) { console.log("event", event.event, event.state || "", event.data ? Object.keys(event.data).join(",") + (event.data.description ? event.data.description.type : "") : ""); }
      switch (event.event) {
        case "signal":
          chain = chain.then(function () { return onSignal(event.data); });
          break;
        case "peer":
          if (event.state === "joined") {
            // The other member (re)arrived: start afresh; the clerk offers.
            send({type: "hello"});
            if (polite) {
              if (pc) { pc.close(); pc = null; }
              setPeerState("new");
            } else {
              mediaReady.then(makePeer);
            }
          } else if (event.state === "present") {
            if (!polite) { mediaReady.then(function () { if (!pc) { makePeer(); } }); }
          } else if (event.state === "left") {
            setPeerState("disconnected");
          }
          break;
        case "field":
          if (role === "person") {
            setText($(root, '[data-field="' + event.key + '"]'), event.value);
            var digest = $(root, "[data-digest]");
            if (digest) { digest.value = event.digest; }
            var confirmed = $(root, "[data-confirmed]");
            if (confirmed && !event.confirmed) { confirmed.hidden = true; }
          } else {
            var input = $(root, '[data-form-input="' + event.key + '"]');
            if (input && document.activeElement !== input) { input.value = event.value; }
            if (!event.confirmed) { setText($(root, "[data-confirmed-state]"), "未确认"); }
          }
          break;
        case "confirmed":
          if (role === "person") {
            var mark = $(root, "[data-confirmed]");
            if (mark) { mark.textContent = "您已确认并签名（" + event.at + "）"; mark.hidden = false; }
          } else {
            setText($(root, "[data-confirmed-state]"), "已确认并签名（" + event.at + "）");
          }
          break;
        case "identity":
          step(event.step, event.ok, event.ok ? OK_TEXT[event.step] : event.message);
          break;
        case "consent":
          root.setAttribute("data-consent", event.agreed ? "yes" : "no");
          if (role === "clerk") {
            setText($(root, "[data-recording-state]"), event.agreed ? "群众已同意录像" : "群众不同意录像，本次不录像");
            startRecording();
          } else {
            var form = $(root, "[data-consent-form]");
            if (form) {
              var p = document.createElement("p");
              p.setAttribute("data-consent-state", "");
              p.textContent = event.agreed ? "您已同意录像。" : "您不同意录像，本次办理不录像。";
              form.replaceWith(p);
            }
          }
          break;
        case "chat":
          addChat(event);
          break;
        case "submitted":
          var done = $(root, "[data-submitted]");
          if (done) { done.textContent = "已提交申请，申请编号 " + event.number + "。"; done.hidden = false; }
          break;
        case "ended":
          finish(event);
          break;
        case "error":
          flash(root, event.message, false);
          break;
      }
    }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + root.getAttribute("data-ws"));
      socket.onopen = function () { root.setAttribute("data-live", ""); };
      socket.onmessage = function (m) { onEvent(JSON.parse(m.data)); };
      socket.onclose = function (e) {
        root.removeAttribute("data-live");
        if (ended || e.code === 4403) { return; }
        window.setTimeout(connect, 2000);
      };
    }

    /* -------------------------------------------------------- forms */

    Array.prototype.forEach.call(root.querySelectorAll("form[data-async]"), function (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var data = new FormData(form);
        if (e.submitter && e.submitter.name) { data.append(e.submitter.name, e.submitter.value); }
        var before = (e.submitter && e.submitter.value === "finish") ? stopRecording() : Promise.resolve();
        before.then(function () {
          return fetch(root.getAttribute("data-action-url"), {
            method: "POST", body: data, credentials: "same-origin", headers: {Accept: "application/json"}
          });
        }).then(function (r) { return r.json(); }).then(function (answer) {
          flash(root, answer.message, answer.ok);
          if (answer.ok && answer.redirect) { window.location.assign(answer.redirect); }
          if (answer.ok && form.hasAttribute("data-confirm-form")) { form.reset(); }
        }).catch(function () { flash(root, "网络异常，请稍后重试。", false); });
      });
    });

    var chatForm = $(root, "[data-chat-form]");
    if (chatForm) {
      chatForm.addEventListener("submit", function (e) {
        e.preventDefault();
        var input = $(root, "[data-chat-input]");
        if (!input.value.trim()) { return; }
        send({type: "chat", body: input.value});
        input.value = "";
      });
    }

    Array.prototype.forEach.call(root.querySelectorAll("[data-form-input]"), function (input) {
      var timer = null;
      input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          send({type: "field", key: input.getAttribute("data-form-input"), value: input.value});
        }, 250);
      });
    });

    setPeerState("new");
    mediaReady = openMedia();
    mediaReady.then(connect);
  }

  function init() {
    var root = document.querySelector("[data-remote][data-role]");
    if (!root) { return; }
    var status = root.getAttribute("data-status");
    if (status === "waiting") { waitForCall(root); }
    if (status === "live") { start(root); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
