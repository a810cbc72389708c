// The chat page: talk to the bot as a Telegram, Viber, WhatsApp or Messenger user.
// Everything goes through the fake platforms: POST /_send makes the platform's own signed webhook,
// GET /_conversation shows what the bot sent (edits and deletes applied). No build step, no libraries.
"use strict";

(function () {
  const $ = (sel) => document.querySelector(sel);
  const state = {
    channel: localStorage.getItem("mb.channel") || "telegram",
    userKey: localStorage.getItem("mb.user") || "1001",
    users: [],
    version: -1,
    data: null,
    notes: [], // page-side notes: webhook errors
    toastAt: 0,
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // users ----------------------------------------------------------------------------------------
  function currentUser() {
    if (state.userKey === "custom") {
      const name = $("#custom-name").value.trim() || "Custom User";
      const phone = $("#custom-phone").value.trim() || null;
      const id = localStorage.getItem("mb.customId") || String(2000 + Math.floor(Math.random() * 7000));
      localStorage.setItem("mb.customId", id);
      localStorage.setItem("mb.customName", name);
      localStorage.setItem("mb.customPhone", phone || "");
      return { id, name, phone, language: "en" };
    }
    const preset = state.users.find((u) => u.id === state.userKey) || state.users[0];
    return preset;
  }

  function fillUsers() {
    const select = $("#user");
    select.replaceChildren(
      ...state.users.map((u) => el("option", { value: u.id }, `${u.name} (${u.phone})`)),
      el("option", { value: "custom" }, "Custom…"),
    );
    select.value = state.userKey;
    $("#custom-name").value = localStorage.getItem("mb.customName") || "";
    $("#custom-phone").value = localStorage.getItem("mb.customPhone") || "";
    $("#custom").hidden = state.userKey !== "custom";
  }

  // talking to the fake platforms -----------------------------------------------------------------
  async function send(body) {
    const user = currentUser();
    const payload = { channel: state.channel, user, ...body };
    let result;
    try {
      const response = await fetch("/_send", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      result = await response.json();
      if (!response.ok) {
        note(`not sent: ${result.error || response.status}`, true);
        return result;
      }
    } catch (err) {
      note(`not sent: ${err}`, true);
      return null;
    }
    if (result.status === null && result.error) note(`webhook unreachable: ${result.error}`, true);
    else if (result.status !== null && (result.status < 200 || result.status >= 300))
      note(`webhook answered HTTP ${result.status}`, true);
    poll(true);
    return result;
  }

  function note(text, isError) {
    state.notes.push({ text, isError, time: Date.now() / 1000 });
    render(true);
  }

  async function poll(force) {
    const user = currentUser();
    const params = new URLSearchParams({ channel: state.channel, user_id: user.id });
    if (user.phone) params.set("phone", user.phone);
    try {
      const response = await fetch(`/_conversation?${params}`);
      const data = await response.json();
      if (force || data.version !== state.version || !state.data || data.typing !== state.data.typing) {
        state.version = data.version;
        state.data = data;
        render(false);
      }
    } catch (err) {
      /* the server restarts: keep polling */
    }
  }

  // formatting ------------------------------------------------------------------------------------
  const HTML_MAP = { b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
    code: "code", pre: "pre", blockquote: "blockquote", "tg-spoiler": "span", span: "span", br: "br" };

  function telegramHtml(raw) {
    const doc = new DOMParser().parseFromString(`<body>${raw}</body>`, "text/html");
    const walk = (node, into) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) into.append(child.textContent);
        else if (child.nodeType === Node.ELEMENT_NODE) {
          const tag = child.tagName.toLowerCase();
          let out;
          if (tag === "a") {
            const href = child.getAttribute("href") || "";
            out = /^(https?|tg):/.test(href) ? el("a", { href, target: "_blank", rel: "noopener" }) : el("span");
          } else if (HTML_MAP[tag]) {
            out = document.createElement(HTML_MAP[tag]);
            if (tag === "tg-spoiler" || (tag === "span" && child.classList.contains("tg-spoiler")))
              out.className = "spoiler";
          } else out = el("span");
          walk(child, out);
          into.append(out);
        }
      }
    };
    const frag = document.createDocumentFragment();
    walk(doc.body, frag);
    return frag;
  }

  function lightMarkup(text) {
    // WhatsApp-style *bold* _italic_ ~strike~ ```mono``` on escaped text.
    const esc = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const html = esc
      .replace(/```([\s\S]+?)```/g, "<code>$1</code>")
      .replace(/(^|[\s(])\*(\S(?:[^*\n]*\S)?)\*/g, "$1<b>$2</b>")
      .replace(/(^|[\s(])_(\S(?:[^_\n]*\S)?)_/g, "$1<i>$2</i>")
      .replace(/(^|[\s(])~(\S(?:[^~\n]*\S)?)~/g, "$1<s>$2</s>");
    const span = el("span");
    span.innerHTML = html;
    return span;
  }

  function formatted(message) {
    const text = message.text || "";
    if (message.from === "bot" && state.channel === "telegram" &&
        (message.extra.parse_mode || "").toLowerCase() === "html" && message.extra.raw_text)
      return telegramHtml(message.extra.raw_text);
    if (message.from === "bot" && (state.channel === "whatsapp" || state.channel === "viber"))
      return lightMarkup(text);
    return document.createTextNode(text);
  }

  function timeOf(message) {
    const d = new Date(message.time * 1000);
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // rendering -------------------------------------------------------------------------------------
  function press(payload, extra) {
    return send({ kind: "button", payload, ...(extra || {}) });
  }

  function linkButton(text, url) {
    return el("a", { href: url, target: "_blank", rel: "noopener", class: "link-button" }, text);
  }

  function inlineRows(rows) {
    return el("div", { class: "inline" }, rows.map((row) => el("div", { class: "row" }, row)));
  }

  function telegramButtons(message) {
    const markup = message.markup || {};
    if (!markup.inline_keyboard || !markup.inline_keyboard.length) return null;
    return inlineRows(markup.inline_keyboard.map((row) => row.map((b) => {
      if (b.callback_data !== undefined)
        return el("button", { type: "button", "data-payload": b.callback_data,
          onclick: () => press(b.callback_data, { message_id: message.id }) }, b.text);
      if (b.url) return linkButton(b.text, webApp(b.url));
      if (b.web_app) return linkButton(b.text, webApp(b.web_app.url));
      return el("button", { type: "button", disabled: true }, b.text);
    })));
  }

  // The secure page's links open as the chat's Web App, with its signed initData (see /_web_app).
  function webApp(url) {
    if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url)) return url;
    return "/_web_app?" + new URLSearchParams({ url, user_id: currentUser().id });
  }

  function whatsappParts(message) {
    const m = message.markup;
    if (!m || message.kind !== "interactive") return { before: null, after: null, footer: null };
    const header = m.header && m.header.type === "text" ? el("span", { class: "header-text" }, m.header.text) : null;
    const footer = m.footer ? el("span", { class: "footer-text" }, m.footer.text) : null;
    let after = null;
    const action = m.action || {};
    if (m.type === "button")
      after = inlineRows((action.buttons || []).map((b) => [el("button", { type: "button", "data-payload": b.reply.id,
        onclick: () => press(b.reply.id, { message_id: message.id }) }, b.reply.title)]));
    else if (m.type === "list")
      after = inlineRows([[el("button", { type: "button", class: "list-open",
        onclick: () => openList(message) }, `☰ ${action.button}`)]]);
    else if (m.type === "cta_url" && action.parameters)
      after = inlineRows([[linkButton(action.parameters.display_text, action.parameters.url)]]);
    return { before: header, after, footer };
  }

  function openList(message) {
    const action = message.markup.action || {};
    $("#sheet-title").textContent = action.button;
    $("#sheet-list").replaceChildren(...(action.sections || []).flatMap((section) => [
      section.title ? el("div", { class: "sheet-section" }, section.title) : null,
      ...(section.rows || []).map((row) => el("button", { type: "button", class: "sheet-row", "data-payload": row.id,
        onclick: () => { $("#sheet").hidden = true; press(row.id, { message_id: message.id }); } },
        row.title, row.description ? el("small", {}, row.description) : null)),
    ]).filter(Boolean));
    $("#sheet").hidden = false;
  }

  function messengerButtons(buttons) {
    return inlineRows((buttons || []).map((b) => {
      if (b.type === "postback")
        return [el("button", { type: "button", "data-payload": b.payload, onclick: () => press(b.payload) }, b.title)];
      if (b.type === "web_url") return [linkButton(b.title, b.url)];
      if (b.type === "phone_number") return [linkButton(b.title, `tel:${b.payload}`)];
      return [el("button", { type: "button", disabled: true }, b.title || b.type)];
    }));
  }

  function messengerParts(message) {
    const template = (message.markup || {}).template;
    if (!template) return null;
    if (template.template_type === "button") return messengerButtons(template.buttons);
    if (template.template_type === "generic")
      return el("div", { class: "cards" }, template.elements.map((e) => el("div", { class: "card" },
        e.image_url ? el("img", { src: e.image_url, alt: "" }) : null,
        el("div", { class: "card-title" }, e.title),
        e.subtitle ? el("div", { class: "card-sub" }, e.subtitle) : null,
        e.buttons ? messengerButtons(e.buttons) : null)));
    return null;
  }

  function mediaNode(message) {
    const media = message.media;
    if (!media) return null;
    if (message.kind === "photo") return el("img", { class: "photo", src: media.url, alt: media.caption || "picture" });
    const icon = { voice: "🎤 ", audio: "🎵 ", video: "🎬 ", sticker: "👍 " }[message.kind] || "";
    return el("a", { class: "doc", href: media.url, target: "_blank", rel: "noopener", download: media.name || true },
      icon + (media.name || "document"));
  }

  function bubbleFor(message) {
    const isBot = message.from === "bot";
    const li = el("li", { class: `msg ${isBot ? "bot" : "user"}${message.deleted ? " deleted" : ""}`,
      "data-id": message.id, "data-kind": message.kind });
    if (message.deleted) {
      li.append(el("div", { class: "bubble" }, "🗑 This message was deleted"));
      return li;
    }
    const bubble = el("div", { class: "bubble" });
    let parts = { before: null, after: null, footer: null };
    if (state.channel === "whatsapp" && isBot) parts = whatsappParts(message);
    if (parts.before) bubble.append(parts.before);
    const media = mediaNode(message);
    if (media) bubble.append(media);
    if (!isBot && message.kind === "button") bubble.append(el("span", { class: "pressed" }, "🔘 ", message.text || ""));
    else if (!isBot && message.kind === "contact") bubble.append("☎ ", message.text || "");
    else if (!isBot && message.kind === "location") bubble.append("📍 ", message.text || "");
    else if (!isBot && message.kind === "start") bubble.append(el("span", { class: "note" }, message.text || "start"));
    else if (isBot && message.kind === "template" && state.channel === "whatsapp")
      bubble.append(el("span", { class: "note" }, message.text || "template"), "\n",
        ...((message.markup || {}).components || []).flatMap((c) => (c.parameters || [])
          .filter((p) => p.type === "text").map((p) => p.text + " ")));
    else if (message.text) bubble.append(formatted(message));
    if (isBot && state.channel === "viber" && message.kind === "url") bubble.append(linkButton(message.extra.media, message.extra.media));
    if (parts.footer) bubble.append(parts.footer);
    const meta = [message.edited ? "edited " : "", timeOf(message)];
    if (!isBot && message.extra && message.extra.read) meta.push(" ✓✓");
    bubble.append(el("span", { class: "meta" }, meta.join("")));
    if (message.extra && message.extra.reaction) bubble.append(el("span", { class: "reaction" }, message.extra.reaction));
    li.append(bubble);
    if (isBot) {
      let below = null;
      if (state.channel === "telegram") below = telegramButtons(message);
      else if (state.channel === "whatsapp") below = parts.after;
      else if (state.channel === "messenger") below = messengerParts(message);
      if (below) li.append(below);
    }
    return li;
  }

  function renderKeyboards(messages) {
    const keyboard = $("#keyboard");
    const quick = $("#quick");
    keyboard.replaceChildren();
    quick.replaceChildren();
    const bots = messages.filter((m) => m.from === "bot" && !m.deleted);
    const last = bots[bots.length - 1];
    if (state.channel === "telegram") {
      for (let i = bots.length - 1; i >= 0; i--) {
        const markup = bots[i].markup || {};
        if (markup.remove_keyboard) break;
        if (markup.keyboard) {
          for (const row of markup.keyboard) {
            const span = Math.max(1, Math.floor(6 / row.length));
            for (const button of row) {
              const b = typeof button === "string" ? { text: button } : button;
              keyboard.append(el("button", { type: "button", class: b.request_contact ? "contact" : "",
                style: `grid-column: span ${span}`, "data-payload": b.text, onclick: () => press(b.text) }, b.text));
            }
          }
          break;
        }
      }
    } else if (state.channel === "viber" && last && last.markup && last.markup.Buttons) {
      for (const b of last.markup.Buttons) {
        const attrs = { type: "button", style: `grid-column: span ${b.Columns || 6}`, "data-payload": b.ActionBody };
        if (b.BgColor) attrs.style += `; background: ${b.BgColor}; color: ${b.TextColor || "#000"}`;
        const label = (b.Text || b.ActionBody || "").replace(/<[^>]+>/g, "");
        if (b.ActionType === "open-url") attrs.onclick = () => window.open(b.ActionBody, "_blank", "noopener");
        else attrs.onclick = () => press(b.ActionBody);
        if (b.ActionType === "share-phone") attrs.class = "contact";
        keyboard.append(el("button", attrs, label));
      }
    } else if (state.channel === "messenger" && last && last.markup && last.markup.quick_replies) {
      for (const q of last.markup.quick_replies) {
        if (q.content_type === "user_phone_number") {
          const phone = currentUser().phone || "";
          quick.append(el("button", { type: "button", "data-payload": "user_phone_number",
            onclick: () => press("user_phone_number") }, `☎ ${phone}`));
        } else if (q.content_type === "text")
          quick.append(el("button", { type: "button", "data-payload": q.payload, onclick: () => press(q.payload) },
            q.title));
      }
    }
    keyboard.hidden = !keyboard.childElementCount;
    quick.hidden = !quick.childElementCount;
  }

  function render(notesOnly) {
    const data = state.data;
    const list = $("#messages");
    const main = $("#chat");
    const atBottom = main.scrollHeight - main.scrollTop - main.clientHeight < 40;
    const messages = data ? data.messages : [];
    const items = messages.map((m) => ({ time: m.time, node: bubbleFor(m) }));
    for (const n of state.notes)
      items.push({ time: n.time, node: el("li", { class: `system${n.isError ? " error" : ""}` }, n.text) });
    items.sort((a, b) => a.time - b.time);
    if (!items.length) items.push({ node: el("li", { class: "system" }, "Say hi, or press Start.") });
    list.replaceChildren(...items.map((i) => i.node));
    $("#typing").hidden = !(data && data.typing);
    $("#status").textContent = data && data.blocked ? "blocked" : data && data.typing ? "typing…" : "bot";
    renderKeyboards(messages);
    if (data && data.toast && data.toast.time > state.toastAt) {
      state.toastAt = data.toast.time;
      if (data.toast.text) showToast(data.toast.text, data.toast.show_alert);
    }
    if (atBottom || !notesOnly) main.scrollTop = main.scrollHeight;
  }

  function showToast(text, alert) {
    const toast = $("#toast");
    toast.textContent = text;
    toast.className = `toast${alert ? " alert" : ""}`;
    toast.hidden = false;
    clearTimeout(showToast.timer);
    showToast.timer = setTimeout(() => { toast.hidden = true; }, alert ? 4000 : 2500);
  }

  // wiring ----------------------------------------------------------------------------------------------
  function selectChannel(channel) {
    state.channel = channel;
    localStorage.setItem("mb.channel", channel);
    document.body.className = channel;
    for (const tab of document.querySelectorAll("[data-channel]"))
      tab.setAttribute("aria-selected", String(tab.dataset.channel === channel));
    state.version = -1;
    state.data = null;
    state.notes = [];
    render(false);
    poll(true);
  }

  async function init() {
    const config = await (await fetch("/_config")).json();
    state.users = config.users;
    if (state.userKey !== "custom" && !state.users.some((u) => u.id === state.userKey)) state.userKey = state.users[0].id;
    fillUsers();
    for (const tab of document.querySelectorAll("[data-channel]"))
      tab.addEventListener("click", () => selectChannel(tab.dataset.channel));
    $("#user").addEventListener("change", (e) => {
      state.userKey = e.target.value;
      localStorage.setItem("mb.user", state.userKey);
      $("#custom").hidden = state.userKey !== "custom";
      selectChannel(state.channel);
    });
    for (const id of ["#custom-name", "#custom-phone"]) $(id).addEventListener("change", () => selectChannel(state.channel));
    $("#form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = $("#text");
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      send({ kind: "text", text });
    });
    $("#start").addEventListener("click", () => send({ kind: "start" }));
    $("#more").addEventListener("click", () => { $("#more-menu").hidden = !$("#more-menu").hidden; });
    for (const b of document.querySelectorAll("#more-menu button"))
      b.addEventListener("click", () => { $("#more-menu").hidden = true; send({ kind: b.dataset.kind }); });
    $("#sheet-close").addEventListener("click", () => { $("#sheet").hidden = true; });
    selectChannel(state.channel);
    setInterval(() => poll(false), 700);
  }

  init();
})();
