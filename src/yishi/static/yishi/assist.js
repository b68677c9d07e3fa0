/* 帮办 chat: live messages, proposals and status over the request's websocket
   (/ws/assist/<id>/). Without a connection the forms post as usual. No inline code (CSP). */
(function () {
  "use strict";

  function text(el, value) { if (el) { el.textContent = value; } }

  function start(root) {
    var role = root.getAttribute("data-role");
    var log = root.querySelector("[data-log]");
    var form = root.querySelector("[data-chat-form]");
    var input = root.querySelector("[data-chat-input]");
    var state = root.querySelector("[data-chat-state]");
    var proposals = root.querySelector("[data-proposals]");
    var template = root.querySelector("[data-proposal-template]");
    var socket = null;
    var delay = 1000;

    function dropEmpty(list) {
      var empty = list && list.querySelector("[data-empty]");
      if (empty) { empty.remove(); }
    }

    function addMessage(m) {
      if (!log || log.querySelector('[data-message="' + m.id + '"]')) { return; }
      dropEmpty(log);
      var li = document.createElement("li");
      li.className = "assist-msg assist-msg--" + m.sender;
      li.setAttribute("data-message", m.id);
      var who = document.createElement("span");
      who.className = "assist-msg__who";
      who.textContent = m.sender === "person" && role === "person" ? "我" : m.who;
      var at = document.createElement("span");
      at.className = "assist-msg__at muted small";
      at.textContent = m.at;
      var body = document.createElement("p");
      body.className = "assist-msg__body";
      body.textContent = m.body;
      li.appendChild(who);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(at);
      li.appendChild(body);
      log.appendChild(li);
      li.scrollIntoView({block: "nearest"});
    }

    function addProposal(p) {
      if (!proposals || proposals.querySelector('[data-proposal="' + p.id + '"]')) { return; }
      dropEmpty(proposals);
      var li;
      if (role === "person" && template) {
        li = template.content.firstElementChild.cloneNode(true);
        text(li.querySelector("[data-label]"), p.label);
        text(li.querySelector("[data-value]"), p.value);
        li.querySelector("[data-id]").value = p.id;
      } else {
        li = document.createElement("li");
        li.className = "assist-proposal";
        var strong = document.createElement("strong");
        strong.textContent = p.label;
        li.appendChild(strong);
        li.appendChild(document.createTextNode("：" + p.value + " "));
        var tag = document.createElement("span");
        tag.className = "tag";
        tag.setAttribute("data-proposal-status", "");
        tag.textContent = "待确认";
        li.appendChild(tag);
      }
      li.setAttribute("data-proposal", p.id);
      proposals.appendChild(li);
    }

    function decided(d) {
      var li = proposals && proposals.querySelector('[data-proposal="' + d.id + '"]');
      if (!li) { return; }
      var tag = li.querySelector("[data-proposal-status]");
      if (!tag) {
        var f = li.querySelector("form");
        if (f) { f.remove(); }
        tag = document.createElement("span");
        tag.className = "tag";
        tag.setAttribute("data-proposal-status", "");
        li.appendChild(tag);
      }
      tag.textContent = d.label;
    }

    function onEvent(e) {
      if (e.event === "message") { addMessage(e); }
      else if (e.event === "proposal") { addProposal(e); }
      else if (e.event === "decided") { decided(e); }
      else if (e.event === "status") {
        text(root.querySelector("[data-status]"), e.label);
        if (e.status !== "active" && e.status !== "open" && form) { form.remove(); form = null; }
      }
      else if (e.event === "consent" && role === "clerk") { window.location.reload(); }
      else if (e.event === "error") { text(state, e.message); }
    }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + root.getAttribute("data-ws"));
      socket.onopen = function () {
        delay = 1000;
        root.setAttribute("data-live", "1");
        text(state, "已连接，消息实时送达");
      };
      socket.onmessage = function (msg) {
        try { onEvent(JSON.parse(msg.data)); } catch (err) { /* not for us */ }
      };
      socket.onclose = function (ev) {
        root.removeAttribute("data-live");
        socket = null;
        if (ev.code === 4403) { text(state, "无权加入该对话"); return; }
        text(state, "连接已断开，正在重新连接…（仍可点“发送”提交）");
        window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      };
    }

    if (form) {
      form.addEventListener("submit", function (ev) {
        if (!socket || socket.readyState !== 1) { return; }
        ev.preventDefault();
        var body = input.value.trim();
        if (!body) { text(state, "请填写消息内容"); return; }
        socket.send(JSON.stringify({type: "message", body: body}));
        input.value = "";
        input.focus();
      });
    }
    if ("WebSocket" in window) { connect(); } else { text(state, ""); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var roots = document.querySelectorAll("[data-assist-chat]");
    for (var i = 0; i < roots.length; i += 1) { start(roots[i]); }
  });
})();
