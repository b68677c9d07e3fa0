/* 关怀版 read-aloud: the 朗读本页 button reads the page's main text with the browser's speech
   synthesis (Chinese, zh-CN); 停止朗读 stops it. Without speech synthesis the status line says
   so and points to the hotline. */
(function () {
  // Chrome stops long utterances part-way; short pieces, queued, read to the end.
  var PIECE = 120;

  function mainText() {
    var main = document.getElementById("main");
    if (!main) return "";
    // innerText: only what is shown, with line breaks between blocks.
    return (main.innerText || main.textContent || "").replace(/[ \t]+/g, " ").trim();
  }

  function pieces(text) {
    var out = [];
    text.split(/(?<=[。！？；!?;\n])/).forEach(function (sentence) {
      sentence = sentence.trim();
      while (sentence.length > PIECE) {
        out.push(sentence.slice(0, PIECE));
        sentence = sentence.slice(PIECE);
      }
      if (sentence) out.push(sentence);
    });
    return out;
  }

  function chineseVoice(synth) {
    var voices = (synth.getVoices && synth.getVoices()) || [];
    var exact = voices.filter(function (v) { return /^zh[-_]CN/i.test(v.lang); });
    if (exact.length) return exact[0];
    var any = voices.filter(function (v) { return /^zh/i.test(v.lang); });
    return any.length ? any[0] : null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var read = document.querySelector("[data-read-aloud]");
    var stop = document.querySelector("[data-read-stop]");
    var status = document.querySelector("[data-read-status]");
    if (!read || !stop) return;
    var say = function (message) { if (status) status.textContent = message; };
    var synth = window.speechSynthesis;
    var Utterance = window.SpeechSynthesisUtterance;

    read.addEventListener("click", function () {
      if (!synth || !Utterance) {
        say("您的浏览器不支持朗读。如需帮助，请拨打 12345 热线。");
        return;
      }
      var text = mainText();
      if (!text) { say("本页没有可朗读的内容。"); return; }
      synth.cancel();
      var voice = chineseVoice(synth);
      var parts = pieces(text);
      parts.forEach(function (part, n) {
        var utterance = new Utterance(part);
        utterance.lang = "zh-CN";
        if (voice) utterance.voice = voice;
        utterance.rate = 0.9;
        if (n === parts.length - 1) {
          utterance.onend = function () { say("朗读结束。"); };
        }
        utterance.onerror = function (event) {
          if (event && event.error !== "interrupted" && event.error !== "canceled") {
            say("朗读出错，请稍后再试，或拨打 12345 热线。");
          }
        };
        synth.speak(utterance);
      });
      say("正在朗读本页内容……");
    });

    stop.addEventListener("click", function () {
      if (synth) synth.cancel();
      say("已停止朗读。");
    });
  });
})();
