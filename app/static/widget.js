/* policyqa chat widget — one <script> tag, no build step, no dependencies.
 *
 *   <script src="https://HOST/widget.js" data-title="教育政策问答" async></script>
 *
 * data-* options: title, api (default: where this script came from), position (right|left),
 * color (#hex), starters ("问题一|问题二"), mode (floating|page), target (CSS selector to mount into).
 * Everything lives in a Shadow DOM: the host page's styles do not reach in and ours do not leak out.
 * Server text (answers, passages) is only ever inserted as text, never as HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var ds = (script && script.dataset) || {};
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var cfg = {
    title: ds.title || "教育政策问答",
    api: (ds.api || scriptOrigin).replace(/\/+$/, ""),
    position: ds.position === "left" ? "left" : "right",
    color: /^#[0-9a-fA-F]{3,8}$/.test(ds.color || "") ? ds.color : "#1a6fd1",
    starters: (ds.starters || "外地户口孩子能在玉泉区上公办小学吗？|玉泉区每个年级的小学学位缺多少？|包头市“县管校聘”改革是怎么推进的？")
      .split("|").map(function (s) { return s.trim(); }).filter(Boolean).slice(0, 6),
    page: ds.mode === "page",
  };
  var STORE = "policyqa:" + cfg.api;
  var ICON = "<svg width='18' height='18' viewBox='0 0 24 24' aria-hidden='true' style='vertical-align:-3px;margin-right:6px'>" +
    "<path fill='currentColor' d='M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z'/></svg>";
  var HISTORY_TURNS = 10;

  // !important on :host: the host page's own !important rules on `*` would otherwise win and be inherited.
  var CSS = ":host{all:initial!important;display:block!important;font-family:-apple-system,BlinkMacSystemFont,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif!important;font-size:15px!important;line-height:1.55!important;color:#1f2329!important}" +
    "*{box-sizing:border-box}[hidden]{display:none!important}" +
    ".launcher{position:fixed;bottom:20px;" + cfg.position + ":20px;z-index:2147483000;border:0;border-radius:28px;padding:12px 18px;background:var(--c);color:#fff;font:inherit;font-weight:600;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.25)}" +
    ".launcher:focus-visible,button:focus-visible,textarea:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}" +
    ".panel{position:fixed;bottom:84px;" + cfg.position + ":20px;z-index:2147483001;width:380px;max-width:calc(100vw - 16px);height:600px;max-height:calc(100vh - 104px);display:flex;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.28);overflow:hidden}" +
    ".panel[hidden]{display:none}" +
    ".page .panel{position:static;width:auto;max-width:820px;height:calc(100vh - 32px);max-height:none;margin:16px auto;box-shadow:0 2px 12px rgba(0,0,0,.12)}" +
    "header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:var(--c);color:#fff}" +
    "header h2{flex:1;margin:0;font-size:16px}" +
    ".close{border:0;background:transparent;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:2px 6px}" +
    ".msgs{flex:1;overflow-y:auto;padding:12px;background:#f5f6f8}" +
    ".msg{margin:0 0 12px;padding:10px 12px;border-radius:10px;white-space:pre-wrap;word-break:break-word;max-width:92%}" +
    ".user{margin-left:auto;background:var(--c);color:#fff}" +
    ".bot{background:#fff;border:1px solid #e3e5e8}" +
    ".waiting{color:#646a73}.waiting::after{content:'';display:inline-block;width:10px;height:10px;margin-left:6px;border:2px solid #aab;border-top-color:transparent;border-radius:50%;animation:spin .8s linear infinite}" +
    "@keyframes spin{to{transform:rotate(360deg)}}" +
    ".badge{display:table;margin-bottom:4px;padding:1px 8px;border-radius:10px;background:#fff4e5;color:#8a4b00;font-size:12px}" +
    ".badge.related{background:#e8f1fb;color:#1d4f8a}" +
    ".error{background:#fdecec;border-color:#f5c2c2;color:#8f1d1d}" +
    ".cite{border:0;background:#e8f0fd;color:#1a4fa0;border-radius:4px;padding:0 3px;margin:0 1px;font:inherit;font-size:13px;cursor:pointer}" +
    ".source{margin:8px 0 0;padding:8px 10px;border-left:3px solid var(--c);background:#f7f9fc;border-radius:4px;font-size:13px;white-space:normal}" +
    ".source strong{display:block}.meta{color:#646a73}.quote{margin:6px 0;padding:4px 8px;background:#fff8d6}" +
    ".passage{color:#3b3f45;max-height:160px;overflow-y:auto;white-space:pre-wrap}" +
    ".row{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}" +
    ".row button,.starter,.retry{border:1px solid #d0d3d8;background:#fff;border-radius:14px;padding:3px 10px;font:inherit;font-size:13px;cursor:pointer;color:#1f2329}" +
    ".row button[disabled]{opacity:.55;cursor:default}.thanks{font-size:13px;color:#646a73}" +
    ".starters{display:flex;flex-wrap:wrap;gap:6px;padding:8px 12px 0;background:#f5f6f8}" +
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e5e8;background:#fff}" +
    "textarea{flex:1;resize:none;height:44px;border:1px solid #d0d3d8;border-radius:8px;padding:10px;font:inherit}" +
    ".send{border:0;border-radius:8px;padding:0 16px;background:var(--c);color:#fff;font:inherit;font-weight:600;cursor:pointer}.send[disabled]{opacity:.5}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}" +
    "@media (max-width:480px){.panel{bottom:0;left:0;right:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}.launcher{bottom:12px}}";

  var host = document.createElement("div");
  host.setAttribute("data-policyqa", "");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" + CSS + "</style>" +
    "<div class='wrap'>" +
    "<button class='launcher' type='button' aria-haspopup='dialog' aria-expanded='false'></button>" +
    "<section class='panel' role='dialog' aria-labelledby='pq-title' hidden>" +
    "<header><h2 id='pq-title'></h2><button class='close' type='button' aria-label='关闭'>×</button></header>" +
    "<div class='msgs' aria-live='polite'></div>" +
    "<div class='starters' aria-label='常见问题'></div>" +
    "<form><label class='sr' for='pq-input'>输入您的问题</label>" +
    "<textarea id='pq-input' maxlength='500' placeholder='请输入您的问题'></textarea>" +
    "<button class='send' type='submit' aria-label='发送'>发送</button></form>" +
    "</section></div>";
  var $ = function (s) { return root.querySelector(s); };
  var wrap = $(".wrap"), launcher = $(".launcher"), panel = $(".panel"), msgs = $(".msgs");
  var input = $("textarea"), send = $(".send"), starters = $(".starters");
  wrap.style.setProperty("--c", cfg.color);
  $("#pq-title").textContent = cfg.title;
  launcher.innerHTML = ICON;  // constant markup; the title is added as text
  launcher.appendChild(document.createTextNode(cfg.title));
  launcher.setAttribute("aria-label", "打开" + cfg.title);

  var messages = [];
  try { messages = JSON.parse(sessionStorage.getItem(STORE) || "[]"); } catch (e) { messages = []; }
  var busy = false;

  function save() {
    try { sessionStorage.setItem(STORE, JSON.stringify(messages.slice(-40))); } catch (e) { /* private mode */ }
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }
  function scroll() { msgs.scrollTop = msgs.scrollHeight; }

  function sourceCard(c) {
    var card = el("div", "source");
    card.setAttribute("role", "region");
    card.setAttribute("aria-label", "来源 " + c.n);
    card.appendChild(el("strong", null, "[" + c.n + "] " + (c.title || "未命名文件")));
    card.appendChild(el("div", "meta", [c.region, c.date].filter(Boolean).join(" · ") || "地区、日期未注明"));
    if (c.section) card.appendChild(el("div", "meta", c.section));
    if (c.ocr) card.appendChild(el("div", "meta", "识别自扫描件，可能有误"));
    card.appendChild(el("div", "quote", c.quote));
    card.appendChild(el("div", "passage", c.text));
    return card;
  }

  function renderAnswer(body, m) {
    body.textContent = "";
    var status = m.status || (m.refused ? "refused" : "answered");
    // a refusal for what the documents do not cover; a request to ask again or a greeting is no "not found"
    var notFound = !m.refusalReason || ["no_evidence", "place_not_covered", "not_in_documents"].indexOf(m.refusalReason) >= 0;
    if (status === "refused" && notFound) body.appendChild(el("div", "badge", "没有找到相关政策"));
    if (status === "related") body.appendChild(el("div", "badge related", "文件未直接回答 · 以下是相关内容"));
    var byN = {};
    (m.citations || []).forEach(function (c) { byN[c.n] = c; });
    var cards = el("div");
    m.content.split(/(\[\d+\])/).forEach(function (part) {
      var hit = /^\[(\d+)\]$/.exec(part);
      var c = hit && byN[hit[1]];
      if (!c) { if (part) body.appendChild(document.createTextNode(part)); return; }
      var b = el("button", "cite", part);
      b.type = "button";
      b.setAttribute("aria-expanded", "false");
      b.setAttribute("aria-label", "查看来源 " + c.n + "：" + (c.title || ""));
      b.addEventListener("click", function () {
        var open = b.getAttribute("aria-expanded") === "true";
        cards.textContent = "";
        body.querySelectorAll(".cite").forEach(function (x) { x.setAttribute("aria-expanded", "false"); });
        if (!open) { cards.appendChild(sourceCard(c)); b.setAttribute("aria-expanded", "true"); }
      });
      body.appendChild(b);
    });
    body.appendChild(cards);
  }

  function feedbackRow(m) {
    var row = el("div", "row");
    [["有帮助", true], ["没帮助", false]].forEach(function (opt) {
      var b = el("button", null, opt[0]);
      b.type = "button";
      b.disabled = !!m.rated;
      b.addEventListener("click", function () {
        row.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        m.rated = true; save();
        fetch(cfg.api + "/api/feedback", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ feedback_token: m.feedbackToken, helpful: opt[1] }),
        }).then(function (r) { row.appendChild(el("span", "thanks", r.ok ? "感谢您的反馈" : "反馈未能提交")); },
          function () { row.appendChild(el("span", "thanks", "反馈未能提交")); });
      });
      row.appendChild(b);
    });
    return row;
  }

  function renderMessage(m) {
    if (m.role === "user") return el("div", "msg user", m.content);
    var box = el("div", "msg bot");
    var body = el("div");
    box.appendChild(body);
    renderAnswer(body, m);
    if (m.feedbackToken) box.appendChild(feedbackRow(m));  // no token: the answer was not logged
    return box;
  }

  function renderAll() {
    msgs.textContent = "";
    if (!messages.length) msgs.appendChild(el("div", "msg bot", "您好！我可以根据已收录的教育政策文件回答问题，并注明出处。"));
    messages.forEach(function (m) { msgs.appendChild(renderMessage(m)); });
    starters.hidden = messages.length > 0;
    scroll();
  }

  function showError(box, text, question) {
    box.className = "msg bot error";
    box.textContent = text;
    var retry = el("button", "retry", "重试");
    retry.type = "button";
    retry.addEventListener("click", function () { box.remove(); messages.pop(); save(); ask(question); });
    var row = el("div", "row"); row.appendChild(retry); box.appendChild(row);
    setBusy(false);
  }

  function setBusy(b) { busy = b; send.disabled = b; }

  function ask(question) {
    question = question.trim();
    if (!question || busy) return;
    var history = messages.slice(-HISTORY_TURNS).map(function (m) { return { role: m.role, content: m.content }; });
    messages.push({ role: "user", content: question }); save();
    starters.hidden = true;
    msgs.appendChild(renderMessage(messages[messages.length - 1]));
    var box = el("div", "msg bot waiting", "正在查找相关政策…");
    msgs.appendChild(box); scroll();
    setBusy(true);
    var text = "", finished = false;
    fetch(cfg.api + "/api/chat", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: question, history: history, stream: true }),
    }).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          var msg = res.status === 429 ? "提问太频繁了，请稍后再试。" :
            res.status === 503 ? "服务暂时不可用，请稍后再试。" : (body.detail || "出错了，请稍后再试。");
          showError(box, msg, question);
        });
      }
      var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function handle(block) {
        var name = "", data = "";
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event: ") === 0) name = line.slice(7);
          else if (line.indexOf("data: ") === 0) data += line.slice(6);
        });
        var payload = data ? JSON.parse(data) : {};
        if (name === "token") {
          if (!text) box.className = "msg bot";
          text += payload.text; box.textContent = text; scroll();
        } else if (name === "citations") {
          finished = true;
          var m = { role: "assistant", content: payload.answer, citations: payload.citations, refused: payload.refused,
            status: payload.status, refusalReason: payload.refusal_reason, feedbackToken: payload.feedback_token };
          messages.push(m); save();
          var done = renderMessage(m);
          box.replaceWith(done); box = done; scroll();
        } else if (name === "error") {
          finished = true; showError(box, payload.message || "回答时出现错误，请重试。", question);
        }
      }
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) {
            if (!finished) showError(box, "回答中断了，请重试。", question);
            else setBusy(false);
            return;
          }
          buffer += decoder.decode(r.value, { stream: true });
          var parts = buffer.split("\n\n");
          buffer = parts.pop();
          parts.forEach(handle);
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      showError(box, "无法连接到问答服务：可能是网络故障，或本网站未获授权使用该服务。", question);
    });
  }

  function open() {
    panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); input.focus(); scroll();
  }
  function close() {
    if (cfg.page) return;
    panel.hidden = true; launcher.setAttribute("aria-expanded", "false"); launcher.focus();
  }

  cfg.starters.forEach(function (q) {
    var b = el("button", "starter", q);
    b.type = "button";
    b.addEventListener("click", function () { ask(q); });
    starters.appendChild(b);
  });
  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  $(".close").addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("form").requestSubmit(); }
  });
  $("form").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value; input.value = ""; ask(q);
  });

  if (cfg.page) { wrap.classList.add("page"); launcher.hidden = true; $(".close").hidden = true; panel.hidden = false; }
  renderAll();
  function attach() {
    ((ds.target && document.querySelector(ds.target)) || document.body).appendChild(host);
    if (cfg.page) input.focus();
  }
  if (document.body) attach(); else document.addEventListener("DOMContentLoaded", attach);
})();
