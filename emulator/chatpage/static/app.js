// The chat simulator: two panes, each one person in one chat, over the emulator's JSON API.
// Labels come from strings.json (Chinese by default; the toggle switches to English).
"use strict";

const ROLES = ["resident", "inspector", "department", "office", "person"];
let STRINGS = {};
let lang = localStorage.getItem("xuncha-sim-lang") || "zh";
let world = { bot: {}, people: [], places: [] };
const panes = [];

function t(key, values) {
  const table = STRINGS[lang] || {};
  let text = table[key] !== undefined ? table[key] : key;
  for (const [name, value] of Object.entries(values || {})) text = text.replaceAll("{" + name + "}", value);
  return text;
}

function applyStrings(root) {
  root.querySelectorAll("[data-s]").forEach((el) => { el.textContent = t(el.dataset.s); });
}

function esc(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function safeUrl(url) {
  return /^(https?:|tg:)/i.test(url || "") ? url : "#";
}

// Telegram's entities (offsets in UTF-16 units, which JS strings index by) as HTML.
function openTag(entity, part) {
  switch (entity.type) {
    case "bold": return "<b>";
    case "italic": return "<i>";
    case "underline": return "<u>";
    case "strikethrough": return "<s>";
    case "spoiler": return '<span class="spoiler">';
    case "code": return "<code>";
    case "pre": return "<pre>";
    case "blockquote": case "expandable_blockquote": return "<blockquote>";
    case "text_link": return '<a target="_blank" rel="noopener" href="' + esc(safeUrl(entity.url)) + '">';
    case "url": return '<a target="_blank" rel="noopener" href="' + esc(safeUrl(part)) + '">';
    case "bot_command": return '<span class="cmd" data-cmd="' + esc(part) + '">';
    default: return "<span>";
  }
}

function closeTag(entity) {
  const tags = { bold: "</b>", italic: "</i>", underline: "</u>", strikethrough: "</s>", code: "</code>",
    pre: "</pre>", blockquote: "</blockquote>", expandable_blockquote: "</blockquote>",
    text_link: "</a>", url: "</a>" };
  return tags[entity.type] || "</span>";
}

function renderText(text, entities) {
  const opens = {};
  const closes = {};
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  for (const e of sorted) {
    (opens[e.offset] = opens[e.offset] || []).push(e);
    (closes[e.offset + e.length] = closes[e.offset + e.length] || []).unshift(e);
  }
  let out = "";
  for (let i = 0; i <= text.length; i++) {
    for (const e of closes[i] || []) out += closeTag(e);
    for (const e of opens[i] || []) out += openTag(e, text.substr(e.offset, e.length));
    if (i < text.length) out += esc(text[i]);
  }
  return out;
}

async function api(path, body) {
  const options = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  if (!response.ok) throw new Error(await response.text());
  return response.json();
}

function toast(text, alert) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.classList.toggle("alert", !!alert);
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, alert ? 6000 : 3000);
}

function person(id) {
  return world.people.find((p) => p.id === id);
}

class Pane {
  constructor(index, userId, chatId) {
    this.index = index;
    this.el = document.getElementById("pane-template").content.firstElementChild.cloneNode(true);
    this.el.id = "pane-" + index;
    document.getElementById("panes").appendChild(this.el);
    this.q = (selector) => this.el.querySelector(selector);
    this.userId = userId;
    this.chatId = chatId;
    this.replyTo = null;
    this.signature = null;
    this.poll = null;
    this.q(".who").addEventListener("change", (ev) => this.choose(Number(ev.target.value), null));
    this.q(".where").addEventListener("change", (ev) => this.choose(this.userId, Number(ev.target.value)));
    this.q(".composer").addEventListener("submit", (ev) => { ev.preventDefault(); this.sendText(); });
    this.q(".photo-button").addEventListener("click", () => this.q(".photo-file").click());
    this.q(".photo-file").addEventListener("change", () => this.sendPhoto());
    this.q(".location-button").addEventListener("click", () => this.toggle(".location-panel"));
    this.q(".voice-button").addEventListener("click", () => this.send("/api/voice", {}));
    this.q(".scan-button").addEventListener("click", () => this.toggle(".scan-panel"));
    this.q(".location-cancel").addEventListener("click", () => { this.q(".location-panel").hidden = true; });
    this.q(".location-send").addEventListener("click", () => this.sendLocation(this.q(".lat").value, this.q(".lon").value));
    this.q(".reply-cancel").addEventListener("click", () => this.setReply(null));
    this.q(".messages").addEventListener("click", (ev) => this.clicked(ev));
  }

  toggle(selector) {
    const panel = this.q(selector);
    panel.hidden = !panel.hidden;
  }

  choose(userId, chatId) {
    const who = person(userId);
    if (!who) return;
    this.userId = userId;
    const chats = who.chats.map((c) => c.id);
    this.chatId = chatId !== null && chats.includes(chatId) ? chatId : (chats.includes(this.chatId) ? this.chatId : chats[0] || null);
    this.setReply(null);
    this.forced = null;
    this.renderHead();
    this.restart();
  }

  renderHead() {
    const who = this.q(".who");
    who.innerHTML = "";
    for (const role of ROLES) {
      const people = world.people.filter((p) => p.role === role);
      if (!people.length) continue;
      const group = document.createElement("optgroup");
      group.label = t("role." + role);
      for (const p of people) group.appendChild(new Option(p.name, p.id, false, p.id === this.userId));
      who.appendChild(group);
    }
    const where = this.q(".where");
    where.innerHTML = "";
    const me = person(this.userId);
    for (const c of (me ? me.chats : [])) where.appendChild(new Option(c.title, c.id, false, c.id === this.chatId));
    const scan = this.q(".scan-panel");
    scan.innerHTML = "";
    for (const place of world.places.filter((p) => p.start)) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = t("scan_place", { name: place.name });
      button.addEventListener("click", () => { scan.hidden = true; this.send("/api/send", { text: "/start " + place.start }); });
      scan.appendChild(button);
    }
    // Posters are scanned by residents, in their private chat with the bot.
    const chat = me ? me.chats.find((c) => c.id === this.chatId) : null;
    this.q(".scan-button").hidden = !scan.children.length || !(chat && chat.private);
    if (this.q(".scan-button").hidden) scan.hidden = true;
    const presets = this.q(".presets");
    presets.innerHTML = "";
    for (const place of world.places) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "📍 " + place.name;
      button.addEventListener("click", () => this.sendLocation(place.lat, place.lon));
      presets.appendChild(button);
    }
    this.q(".text").placeholder = t("placeholder");
  }

  restart() {
    if (this.poll) this.poll.abort();
    this.signature = null;
    this.q(".messages").innerHTML = "";
    this.q(".keyboard").innerHTML = "";
    if (this.chatId === null) {
      this.q(".chat-title").textContent = t("no_chats");
      return;
    }
    this.loop(new AbortController());
  }

  async loop(control) {
    this.poll = control;
    const chatId = this.chatId;
    while (!control.signal.aborted) {
      try {
        const since = this.signature === null ? "" : "?since=" + encodeURIComponent(this.signature);
        const response = await fetch("/api/chat/" + chatId + since, { signal: control.signal });
        if (!response.ok) throw new Error(response.statusText);
        const chat = await response.json();
        if (control.signal.aborted) return;
        if (chat.signature !== this.signature) this.renderChat(chat);
      } catch (error) {
        if (control.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  renderChat(chat) {
    this.signature = chat.signature;
    this.q(".chat-title").textContent = chat.title;
    const box = this.q(".messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    // A message that shows the same as before keeps its element: a button being pressed, or
    // an element someone holds, is not swapped under them whenever another message changes.
    const kept = new Map();
    for (const el of box.querySelectorAll(":scope > .msg")) kept.set(el.dataset.id, el);
    const nodes = chat.messages.map((message) => {
      const shown = lang + "|" + this.userId + "|" + JSON.stringify(message);
      const old = kept.get(String(message.id));
      if (old && old.dataset.shown === shown) return old;
      const el = this.renderMessage(message, chat);
      el.dataset.shown = shown;
      return el;
    });
    if (nodes.length) box.replaceChildren(...nodes);
    else box.innerHTML = '<div class="empty">' + esc(t("empty")) + "</div>";
    if (atBottom || this.stick) box.scrollTop = box.scrollHeight;
    this.stick = false;
    this.renderKeyboard(chat.keyboard);
    // A new ForceReply prompt as the newest message opens a reply to it, as Telegram does.
    const newest = chat.messages[chat.messages.length - 1];
    if (newest && newest.force_reply && newest.id !== this.forced) {
      this.forced = newest.id;
      this.setReply(newest);
      this.q(".text").focus();
    }
  }

  renderMessage(m, chat) {
    const el = document.createElement("div");
    el.className = "msg" + (m.from_bot ? " bot" : "") + (m.sender_id === this.userId ? " mine" : "");
    el.dataset.id = m.id;
    let html = "";
    if (!chat.private || m.sender_id !== this.userId) html += '<div class="sender">' + esc(m.sender) + "</div>";
    if (m.reply_to) html += '<div class="quote">' + esc(m.reply_to.text || "…") + "</div>";
    if (m.kind === "photo") html += '<img alt="" src="/api/file/' + encodeURIComponent(m.file_id) + '">';
    if (m.kind === "location" || m.kind === "venue") {
      html += '<div class="body">' + esc(t("where", { lat: m.location.lat.toFixed(5), lon: m.location.lon.toFixed(5) })) + "</div>";
    } else if (m.kind === "voice" || m.kind === "video" || m.kind === "video_note") {
      html += '<div class="body">' + esc(t(m.kind === "voice" ? "voice" : "video", { seconds: m.duration })) + "</div>";
    } else if (m.kind === "document" || m.kind === "audio") {
      html += '<div class="body"><a target="_blank" href="/api/file/' + encodeURIComponent(m.file_id) + '">' + esc(t("file") + " " + (m.file_name || "")) + "</a></div>";
    } else if (m.kind === "contact") {
      html += '<div class="body">' + esc(t("phone", { phone: m.phone })) + "</div>";
    } else if (m.kind === "sticker") {
      html += '<div class="body">' + esc(m.emoji) + "</div>";
    }
    if (m.text) html += '<div class="body">' + renderText(m.text, m.entities) + "</div>";
    el.innerHTML = html;
    if (m.buttons.length) {
      const grid = document.createElement("div");
      grid.className = "buttons";
      for (const row of m.buttons) {
        const line = document.createElement("div");
        line.className = "row";
        for (const b of row) {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = b.text;
          button.addEventListener("click", () => this.press(m.id, b));
          line.appendChild(button);
        }
        grid.appendChild(line);
      }
      el.appendChild(grid);
    }
    const meta = document.createElement("div");
    meta.className = "meta";
    const time = new Date(m.date * 1000).toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB", { hour: "2-digit", minute: "2-digit" });
    meta.textContent = (m.edited ? t("edited") + " · " : "") + time;
    const reply = document.createElement("a");
    reply.className = "reply-link";
    reply.textContent = t("reply");
    reply.addEventListener("click", () => this.setReply(m));
    meta.appendChild(reply);
    el.appendChild(meta);
    return el;
  }

  renderKeyboard(rows) {
    const board = this.q(".keyboard");
    board.innerHTML = "";
    for (const row of rows || []) {
      const line = document.createElement("div");
      line.className = "row";
      for (const key of row) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = key.text;
        button.addEventListener("click", () => {
          if (key.location) this.q(".location-panel").hidden = false;
          else if (key.contact) this.send("/api/contact", {});
          else this.send("/api/send", { text: key.text });
        });
        line.appendChild(button);
      }
      board.appendChild(line);
    }
  }

  clicked(ev) {
    const command = ev.target.closest(".cmd");
    if (command) this.send("/api/send", { text: command.dataset.cmd });
    const spoiler = ev.target.closest(".spoiler");
    if (spoiler) spoiler.classList.add("shown");
  }

  setReply(message) {
    this.replyTo = message ? message.id : null;
    this.q(".replying").hidden = !message;
    if (message) this.q(".replying-text").textContent = t("replying") + (message.text || "").slice(0, 60);
  }

  async send(path, body) {
    this.stick = true;
    try {
      return await api(path, { user: this.userId, chat: this.chatId, ...body });
    } catch (error) {
      toast(t("failed", { reason: error.message }), true);
      return null;
    }
  }

  async sendText() {
    const input = this.q(".text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    const body = { text };
    if (this.replyTo) body.reply_to = this.replyTo;
    this.setReply(null);
    await this.send("/api/send", body);
  }

  async sendLocation(lat, lon) {
    this.q(".location-panel").hidden = true;
    await this.send("/api/location", { lat: Number(lat), lon: Number(lon) });
  }

  async sendPhoto() {
    const input = this.q(".photo-file");
    if (!input.files.length) return;
    const form = new FormData();
    form.append("user", this.userId);
    form.append("chat", this.chatId);
    form.append("caption", this.q(".text").value.trim());
    form.append("file", input.files[0]);
    this.q(".text").value = "";
    input.value = "";
    this.stick = true;
    const response = await fetch("/api/photo", { method: "POST", body: form });
    if (!response.ok) toast(t("failed", { reason: await response.text() }), true);
  }

  async press(messageId, button) {
    if (button.url) { window.open(safeUrl(button.url), "_blank", "noopener"); return; }
    if (!button.data) return;
    const result = await this.send("/api/press", { message: messageId, data: button.data });
    if (result && result.answer && result.answer.text) toast(result.answer.text, result.answer.alert);
  }
}

// People and their chats change rarely (a new resident, the bot added to a group): redraw
// the pickers only then, so an open drop-down is not closed under the user's hand.
async function refreshWorld() {
  const fresh = await api("/api/world");
  if (JSON.stringify(fresh) === JSON.stringify(world)) return;
  world = fresh;
  for (const pane of panes) {
    const me = person(pane.userId);
    if (me && pane.chatId === null && me.chats.length) pane.choose(pane.userId, me.chats[0].id);
    else pane.renderHead();
  }
}

function firstOf(role, wantGroup) {
  const p = world.people.find((x) => x.role === role && x.chats.some((c) => c.private !== wantGroup));
  if (!p) return null;
  const chat = p.chats.find((c) => c.private !== wantGroup);
  return [p.id, chat.id];
}

async function start() {
  STRINGS = await (await fetch("/static/strings.json")).json();
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  applyStrings(document);
  world = await api("/api/world");
  const fallback = world.people.length ? [world.people[0].id, (world.people[0].chats[0] || {}).id || null] : [null, null];
  const left = firstOf("resident", false) || fallback;
  const right = firstOf("inspector", true) || firstOf("office", true) || fallback;
  for (const [index, [userId, chatId]] of [left, right].entries()) {
    const pane = new Pane(index, userId, chatId);
    applyStrings(pane.el);
    panes.push(pane);
    pane.renderHead();
    pane.restart();
  }
  document.getElementById("lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem("xuncha-sim-lang", lang);
    location.reload();
  });
  document.getElementById("new-resident").addEventListener("click", async () => {
    const name = prompt(t("new_resident_name"));
    if (!name) return;
    const made = await api("/api/resident", { name, lang });
    await refreshWorld();
    panes[0].choose(made.id, made.id);
  });
  setInterval(() => refreshWorld().catch(() => {}), 3000);
}

start();
