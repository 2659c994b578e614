// The sandbox's chat page: each simulated person's Telegram app, drawn from /api and kept live by /api/events.
// Bot text is put in the page with textContent and elements, never innerHTML, so a message cannot inject markup.
"use strict";

const state = {
  bot: null,
  zone: "UTC",            // the bot's time zone: times on the page are the bot's local times
  people: [],
  commands: {},
  current: null,          // the person whose phone is shown
  keyboards: new Map(),   // person id -> reply keyboard (or null)
  keyboardHidden: false,  // a one-time keyboard folds away after a press, as in Telegram
  unread: new Map(),
  held: null,             // events that arrived while a chat was loading
  menuButtons: new Map(), // person id -> the chat's Mini App menu button (or null)
  webappUrl: null,        // the bot's Mini App address (its web_app buttons point there)
  miniapp: null,          // the Mini App open in the panel: { person, path, initData, frame }
  dark: false,
};

const $ = (selector) => document.querySelector(selector);

// ------------------------------------------------------------------ talking to the sandbox

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error || `${response.status} ${response.statusText}`);
  }
  return body;
}

function post(path, body) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

function chatPath(suffix = "") {
  return `/api/chats/${state.current.id}${suffix}`;
}

async function act(promise) {
  try {
    await promise;
  } catch (error) {
    toast(error.message);
  }
}

// ------------------------------------------------------------------ people

function renderPeople() {
  const list = $("#people");
  list.replaceChildren();
  for (const person of state.people) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "person";
    button.dataset.personId = person.id;
    button.setAttribute("aria-pressed", String(state.current && state.current.id === person.id));
    const avatar = document.createElement("span");
    avatar.className = `avatar role-${person.role}`;
    avatar.textContent = Array.from(person.name)[0];
    const text = document.createElement("span");
    text.className = "person-text";
    const name = document.createElement("span");
    name.className = "person-name";
    name.textContent = person.name;
    const role = document.createElement("span");
    role.className = "person-role";
    role.textContent = `${person.role_label} · ${person.language === "zh" ? "中文" : "English"}`;
    text.append(name, role);
    const unread = document.createElement("span");
    unread.className = "unread";
    const count = state.unread.get(person.id) || 0;
    unread.textContent = count ? String(count) : "";
    unread.hidden = !count;
    button.append(avatar, text, unread);
    button.addEventListener("click", () => switchTo(person.id));
    list.append(button);
  }
}

async function switchTo(personId) {
  const person = state.people.find((candidate) => candidate.id === personId);
  if (!person) return;
  state.current = person;
  state.unread.delete(person.id);
  state.keyboardHidden = false;
  $("#toast").hidden = true; // a pop-up belongs to the chat it came from
  $("#typing").textContent = "";
  history.replaceState(null, "", `#person=${person.id}`);
  $("#viewer").textContent = `on ${person.name}'s phone`;
  renderPeople();
  await loadChat();
  $("#text").focus();
}

async function loadChat() {
  const shown = state.current;
  // Events arriving while the chat loads are kept and applied after it, so none is drawn and then wiped.
  state.held = [];
  try {
    const chat = await api(chatPath());
    if (state.current !== shown) return; // switched again while loading
    $("#messages").replaceChildren(...chat.messages.map(renderMessage));
    if (!chat.messages.length) $("#messages").append(renderEmptyChat());
    state.keyboards.set(shown.id, chat.keyboard);
    state.menuButtons.set(shown.id, chat.menu_button);
    renderKeyboard();
    renderMenuButton();
    scrollToEnd();
  } finally {
    const held = state.held;
    state.held = null;
    held.forEach(handle);
  }
}

// ------------------------------------------------------------------ messages

const DEEP_LINK_START = /^\/start [A-Za-z0-9_-]{1,64}$/;

function renderMessage(message) {
  const row = document.createElement("div");
  row.className = `message ${message.outgoing ? "outgoing" : "incoming"}`;
  row.dataset.messageId = message.id;
  row.dataset.outgoing = String(message.outgoing);
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (message.photo) bubble.append(renderPhoto(message.photo));
  if (message.document) bubble.append(renderDocument(message.document));
  if (message.contact) {
    const contact = document.createElement("div");
    contact.className = "contact";
    contact.textContent = `📞 ${message.contact.first_name || ""} ${message.contact.phone_number}`.trim();
    bubble.append(contact);
  }
  if (message.sticker) {
    const sticker = document.createElement("div");
    sticker.className = "sticker";
    sticker.textContent = message.sticker.emoji;
    bubble.append(sticker);
  }
  if (message.text && message.outgoing && DEEP_LINK_START.test(message.text)) {
    // Opening a t.me link sends "/start <payload>", but Telegram's apps show the person only "/start".
    const text = document.createElement("div");
    text.className = "text";
    text.textContent = "/start";
    text.title = message.text;
    bubble.append(text);
  } else if (message.text) {
    const text = document.createElement("div");
    text.className = "text";
    text.append(renderEntities(message.text, message.entities || []));
    bubble.append(text);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  const time = new Date(message.date * 1000).toLocaleTimeString("en-GB", { timeZone: state.zone, hour: "2-digit", minute: "2-digit" });
  meta.textContent = message.edited ? `edited ${time}` : time;
  bubble.append(meta);
  row.append(bubble);
  if (message.inline_keyboard) row.append(renderInlineKeyboard(message));
  return row;
}

function renderPhoto(photo) {
  const image = document.createElement("img");
  image.className = "photo";
  image.src = photo.url;
  image.alt = "Photo";
  image.title = "Click to scan it with someone's phone";
  if (photo.width && photo.height) {
    image.width = Math.min(photo.width, 360);
    image.height = Math.round(image.width * photo.height / photo.width);
  }
  image.addEventListener("click", () => openScanDialog(photo));
  image.addEventListener("load", () => { if (atEnd()) scrollToEnd(); });
  const wrapper = document.createElement("div");
  wrapper.className = "photo-wrapper";
  const enlarge = document.createElement("button");
  enlarge.type = "button";
  enlarge.className = "enlarge";
  enlarge.title = "Full size";
  enlarge.textContent = "⤢";
  enlarge.addEventListener("click", () => {
    $("#photo-full").src = photo.url;
    $("#photo-viewer").showModal();
  });
  wrapper.append(image, enlarge);
  return wrapper;
}

function renderDocument(document_) {
  const link = document.createElement("a");
  link.className = "document";
  link.href = document_.url;
  link.download = document_.file_name;
  const icon = document.createElement("span");
  icon.className = "document-icon";
  icon.textContent = "📄";
  const name = document.createElement("span");
  name.className = "document-name";
  name.textContent = document_.file_name;
  const size = document.createElement("span");
  size.className = "document-size";
  size.textContent = formatSize(document_.size);
  link.append(icon, name, size);
  return link;
}

function formatSize(bytes) {
  if (bytes == null) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function renderInlineKeyboard(message) {
  const keyboard = document.createElement("div");
  keyboard.className = "inline-keyboard";
  for (const row of message.inline_keyboard) {
    const line = document.createElement("div");
    line.className = "inline-row";
    for (const button of row) {
      const element = document.createElement("button");
      element.type = "button";
      element.className = "inline-button";
      element.textContent = button.text;
      if (button.callback_data !== undefined) {
        element.addEventListener("click", () =>
          act(post(chatPath("/buttons"), { message_id: message.id, callback_data: button.callback_data })));
      } else if (button.web_app !== undefined) {
        element.classList.add("web-app-button");
        element.addEventListener("click", () => openMiniApp(button.web_app.url));
      } else if (button.url !== undefined) {
        element.classList.add("url-button");
        element.addEventListener("click", () => followLink(button.url));
      } else if (button.copy_text !== undefined) {
        element.addEventListener("click", () => {
          navigator.clipboard?.writeText(button.copy_text.text || "");
          toast("Copied");
        });
      }
      line.append(element);
    }
    keyboard.append(line);
  }
  return keyboard;
}

// Telegram's entities (UTF-16 offsets, which are JavaScript's string indices) to nested elements.
function renderEntities(text, entities) {
  const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
  function build(start, end, list) {
    const fragment = document.createDocumentFragment();
    let position = start;
    let index = 0;
    while (index < list.length) {
      const entity = list[index];
      if (entity.offset < position) { index += 1; continue; } // overlapping entities: keep the first
      if (entity.offset > position) fragment.append(autoLinked(text.slice(position, entity.offset)));
      const entityEnd = entity.offset + entity.length;
      const inner = [];
      let next = index + 1;
      while (next < list.length && list[next].offset < entityEnd) {
        if (list[next].offset + list[next].length <= entityEnd) inner.push(list[next]);
        next += 1;
      }
      const element = elementFor(entity, text.slice(entity.offset, entityEnd));
      element.append(build(entity.offset, entityEnd, inner));
      fragment.append(element);
      position = entityEnd;
      index = next;
    }
    if (position < end) fragment.append(autoLinked(text.slice(position, end)));
    return fragment;
  }
  return build(0, text.length, sorted);
}

// Telegram's apps make /commands and web addresses in plain text clickable too.
const AUTO_LINK = /(^|[\s(（：:，,])(\/[A-Za-z0-9_]{1,32}\b|https?:\/\/[^\s<>"）)]+|t\.me\/[^\s<>"）)]+)/g;

function autoLinked(plain) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of plain.matchAll(AUTO_LINK)) {
    const start = match.index + match[1].length;
    const found = match[2];
    fragment.append(plain.slice(last, start));
    const type = found.startsWith("/") ? "bot_command" : "url";
    const element = elementFor({ type }, found);
    element.textContent = found;
    fragment.append(element);
    last = start + found.length;
  }
  fragment.append(plain.slice(last));
  return fragment;
}

function elementFor(entity, covered) {
  const tags = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
    blockquote: "blockquote", expandable_blockquote: "blockquote" };
  if (tags[entity.type]) return document.createElement(tags[entity.type]);
  if (entity.type === "spoiler") {
    const spoiler = document.createElement("span");
    spoiler.className = "spoiler";
    spoiler.addEventListener("click", () => spoiler.classList.add("revealed"));
    return spoiler;
  }
  if (entity.type === "text_link" || entity.type === "url") {
    return linkElement(entity.type === "url" ? covered : entity.url);
  }
  if (entity.type === "email") return linkElement(`mailto:${covered}`);
  if (entity.type === "bot_command") {
    const command = document.createElement("a");
    command.href = "#";
    command.className = "command";
    command.addEventListener("click", (event) => {
      event.preventDefault();
      sendText(covered);
    });
    return command;
  }
  const plain = document.createElement("span");
  plain.className = `entity-${entity.type}`;
  return plain;
}

function linkElement(url) {
  const link = document.createElement("a");
  const safe = /^(https?:|tg:|mailto:)/i.test(url) ? url : `https://${url}`;
  link.href = safe;
  link.rel = "noopener noreferrer";
  link.target = "_blank";
  link.addEventListener("click", (event) => {
    if (isBotLink(safe)) {
      event.preventDefault();
      followLink(safe);
    }
  });
  return link;
}

function isBotLink(url) {
  try {
    const parsed = new URL(url);
    return ["t.me", "telegram.me"].includes(parsed.host)
      && parsed.pathname.replace(/\//g, "").toLowerCase() === state.bot.username.toLowerCase();
  } catch {
    return false;
  }
}

function followLink(url) {
  if (isBotLink(url)) {
    act(post(chatPath("/links"), { url }));
  } else {
    window.open(url, "_blank", "noopener");
  }
}

// A chat with nobody's message yet: Telegram offers START there, and a newcomer would not know to type it.
function renderEmptyChat() {
  const box = document.createElement("div");
  box.id = "empty-chat";
  const hint = document.createElement("p");
  hint.textContent = "Nothing here yet. Press /start (or type it) to begin, as a new user of the bot would.";
  const start = document.createElement("button");
  start.type = "button";
  start.textContent = "/start";
  start.addEventListener("click", () => sendText("/start"));
  box.append(hint, start);
  return box;
}

function upsertMessage(message) {
  const messages = $("#messages");
  $("#empty-chat")?.remove();
  const existing = messages.querySelector(`.message[data-message-id="${message.id}"]`);
  const element = renderMessage(message);
  if (existing) {
    existing.replaceWith(element);
  } else {
    const wasAtEnd = atEnd();
    messages.append(element);
    if (wasAtEnd || message.outgoing) scrollToEnd();
  }
}

function atEnd() {
  const messages = $("#messages");
  return messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
}

function scrollToEnd() {
  const messages = $("#messages");
  messages.scrollTop = messages.scrollHeight;
}

// ------------------------------------------------------------------ the reply keyboard

function renderKeyboard() {
  const wasAtEnd = atEnd();
  fillKeyboard();
  if (wasAtEnd) scrollToEnd(); // the panel takes room from the messages: keep the newest in view
}

function fillKeyboard() {
  const panel = $("#reply-keyboard");
  const keyboard = state.keyboards.get(state.current.id);
  $("#keyboard-toggle").hidden = !keyboard;
  $("#text").placeholder = (keyboard && keyboard.input_field_placeholder) || "Message";
  panel.replaceChildren();
  if (!keyboard || state.keyboardHidden) {
    panel.hidden = true;
    return;
  }
  for (const row of keyboard.keyboard || []) {
    const line = document.createElement("div");
    line.className = "reply-row";
    for (const button of row) {
      const label = typeof button === "string" ? button : button.text;
      const element = document.createElement("button");
      element.type = "button";
      element.className = "reply-button";
      element.textContent = label;
      if (button.web_app) {
        element.dataset.webApp = "true";
        element.addEventListener("click", () => openMiniApp(button.web_app.url));
      } else if (button.request_contact) {
        element.dataset.requestContact = "true";
        element.addEventListener("click", () => pressReplyButton(keyboard, () => post(chatPath("/contact"), {})));
      } else {
        element.addEventListener("click", () => pressReplyButton(keyboard, () => post(chatPath("/messages"), { text: label })));
      }
      line.append(element);
    }
    panel.append(line);
  }
  panel.hidden = false;
}

function pressReplyButton(keyboard, send) {
  if (keyboard.one_time_keyboard) {
    state.keyboardHidden = true;
    renderKeyboard();
  }
  act(send());
}

function renderMenuButton() {
  const button = state.menuButtons.get(state.current.id);
  const element = $("#menu-app");
  element.hidden = !button;
  element.textContent = button ? button.text : "";
}

// ------------------------------------------------------------------ the Mini App, as Telegram's web view

// Opens a web_app button's page for the person shown, with initData the sandbox signs as Telegram would.
async function openMiniApp(url) {
  let opened;
  try {
    opened = await post(chatPath("/webapp"), { url });
  } catch (error) {
    toast(error.message);
    return;
  }
  closeScanner(false);
  const frame = document.createElement("iframe");
  frame.id = "miniapp-frame";
  frame.title = "Mini App";
  // Telegram's launch parameters travel in the fragment, which the page reads and no server sees.
  const launch = new URLSearchParams({
    tgWebAppData: opened.init_data,
    tgWebAppVersion: "8.0",
    tgWebAppPlatform: "web",
    tgWebAppThemeParams: JSON.stringify(themeParams()),
  });
  frame.src = `${opened.path}#${launch}`;
  $("#miniapp-frame")?.remove();
  $("#miniapp-screen").prepend(frame);
  state.miniapp = { person: state.current, frame };
  $("#miniapp-title").textContent = `${state.bot.name} · ${state.current.name}`;
  $("#miniapp").hidden = false;
}

function closeMiniApp() {
  closeScanner(false);
  $("#miniapp-frame")?.remove();
  state.miniapp = null;
  $("#miniapp").hidden = true;
}

function themeParams() {
  return state.dark
    ? { bg_color: "#17212b", text_color: "#f5f5f5", hint_color: "#708499", link_color: "#6ab3f3",
      button_color: "#5288c1", button_text_color: "#ffffff", secondary_bg_color: "#232e3c" }
    : { bg_color: "#ffffff", text_color: "#000000", hint_color: "#707579", link_color: "#3390ec",
      button_color: "#3390ec", button_text_color: "#ffffff", secondary_bg_color: "#f4f4f5" };
}

function tellMiniApp(type, data) {
  state.miniapp?.frame.contentWindow?.postMessage({ sandboxTelegram: type, data }, location.origin);
}

// The scanner "sees" what is on screen: each person's latest code in their chat, or a typed text.
async function openScanner(text) {
  $("#qr-popup-text").textContent = text || "";
  $("#qr-popup").hidden = false;
  const { codes } = await api("/api/webapp/codes");
  $("#qr-codes").replaceChildren(...codes.map((code) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "qr-code";
    button.dataset.personId = code.person_id;
    const image = document.createElement("img");
    image.src = code.photo;
    image.alt = "";
    const name = document.createElement("span");
    name.textContent = code.name;
    button.append(image, name);
    button.addEventListener("click", () => tellMiniApp("qr_text", code.text));
    return button;
  }));
  if (!codes.length) $("#qr-codes").textContent = "No code on screen yet: someone has to get one in their chat first.";
}

function closeScanner(tell) {
  if ($("#qr-popup").hidden) return;
  $("#qr-popup").hidden = true;
  if (tell) tellMiniApp("scan_closed");
}

let hapticTimer = null;
function showHaptic(data) {
  const element = $("#haptic");
  element.textContent = `📳 ${data.kind} ${data.style || ""}`.trim();
  element.dataset.kind = data.kind;
  element.dataset.style = data.style || "";
  element.classList.add("shown");
  clearTimeout(hapticTimer);
  hapticTimer = setTimeout(() => element.classList.remove("shown"), 1200);
}

function setUpMiniApp() {
  window.addEventListener("message", (event) => {
    const frame = state.miniapp?.frame;
    if (!frame || event.source !== frame.contentWindow || event.origin !== location.origin) return;
    const { sandboxWebApp: type, data } = event.data || {};
    if (type === "scan_open") openScanner(data.text).catch((error) => toast(error.message));
    else if (type === "scan_close") closeScanner(false);
    else if (type === "haptic") showHaptic(data);
    else if (type === "close") closeMiniApp();
  });
  $("#miniapp-close").addEventListener("click", closeMiniApp);
  $("#qr-popup-close").addEventListener("click", () => closeScanner(true));
  $("#qr-typed-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("#qr-typed").value.trim();
    $("#qr-typed").value = "";
    if (text) tellMiniApp("qr_text", text);
  });
  $("#miniapp-theme").addEventListener("click", () => {
    state.dark = !state.dark;
    $("#miniapp-theme").textContent = state.dark ? "☀" : "🌙";
    tellMiniApp("theme", themeParams());
  });
  $("#menu-app").addEventListener("click", () => openMiniApp(state.menuButtons.get(state.current.id).web_app.url));
  $("#open-code").addEventListener("click", () => openMiniApp(state.webappUrl));
  $("#open-scanner").addEventListener("click", () => openMiniApp(`${state.webappUrl}/scan`));
  $("#miniapp-launcher").hidden = !state.webappUrl;
}

// ------------------------------------------------------------------ composing

function sendText(text) {
  if (!text.trim()) return;
  act(post(chatPath("/messages"), { text }));
}

function setUpComposer() {
  const input = $("#text");
  $("#composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    autoSize();
    sendText(text);
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("#composer").requestSubmit();
    }
  });
  const autoSize = () => {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  };
  input.addEventListener("input", autoSize);
  $("#attach").addEventListener("click", () => $("#photo-input").click());
  $("#photo-input").addEventListener("change", async () => {
    const file = $("#photo-input").files[0];
    $("#photo-input").value = "";
    if (!file) return;
    const form = new FormData();
    form.append("photo", file);
    await act(api(chatPath("/photos"), { method: "POST", body: form }));
  });
  $("#keyboard-toggle").addEventListener("click", () => {
    state.keyboardHidden = !state.keyboardHidden;
    renderKeyboard();
  });
  $("#menu").addEventListener("click", () => toggleCommands());
}

function toggleCommands() {
  const list = $("#commands");
  if (!list.hidden) {
    list.hidden = true;
    return;
  }
  const commands = state.commands[state.current.language] || state.commands.en || [];
  list.replaceChildren(...commands.map((command) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "command-item";
    const name = document.createElement("b");
    name.textContent = `/${command.command}`;
    const description = document.createElement("span");
    description.textContent = command.description;
    button.append(name, description);
    button.addEventListener("click", () => {
      list.hidden = true;
      sendText(`/${command.command}`);
    });
    item.append(button);
    return item;
  }));
  list.hidden = false;
}

// ------------------------------------------------------------------ scanning a code

function openScanDialog(photo) {
  const choices = $("#scan-people");
  choices.replaceChildren(...state.people.map((person) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "scan-as";
    button.dataset.personId = person.id;
    button.textContent = `${person.name} · ${person.role_label}`;
    button.addEventListener("click", async () => {
      $("#scan-dialog").close();
      await switchTo(person.id);
      await act(post(chatPath("/scans"), { file_id: photo.file_id }));
    });
    return button;
  }));
  $("#scan-dialog").showModal();
}

// ------------------------------------------------------------------ clock, links, pop-ups

function renderClock(clock) {
  if (!clock || !clock.now) return;
  const moment = new Date(clock.now).toLocaleString("en-GB", {
    timeZone: state.zone, weekday: "short", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit",
  });
  const skipped = clock.skipped_days ? ` (${clock.skipped_days} day${clock.skipped_days > 1 ? "s" : ""} ahead)` : "";
  $("#clock").textContent = `${moment} (${state.zone})${skipped}`;
}

function renderLinks(links) {
  $("#links").replaceChildren(...links.map((link) => {
    const element = document.createElement("a");
    element.href = link.url;
    element.className = "sandbox-link";
    element.textContent = link.label;
    element.addEventListener("click", (event) => {
      event.preventDefault();
      followLink(link.url);
    });
    return element;
  }));
}

let toastTimer = null;
function toast(text) {
  const element = $("#toast");
  element.textContent = text;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { element.hidden = true; }, 3000);
}

let typingTimer = null;
function showTyping(action) {
  const words = { typing: "typing…", upload_photo: "sending a photo…", upload_document: "sending a file…" };
  $("#typing").textContent = words[action] || "busy…";
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => { $("#typing").textContent = ""; }, 5000);
}

// ------------------------------------------------------------------ live events

function listen() {
  const events = new EventSource("/api/events");
  let dropped = false;
  events.addEventListener("open", () => {
    if (dropped && state.current) loadChat(); // catch up on what happened while disconnected
    dropped = false;
  });
  events.addEventListener("error", () => { dropped = true; });
  events.addEventListener("message", (event) => handle(JSON.parse(event.data)));
}

function handle(event) {
  if (state.held) {
    state.held.push(event);
    return;
  }
  if (event.type === "clock") {
    renderClock(event.clock);
    return;
  }
  const shown = state.current && event.chat_id === state.current.id;
  if (event.type === "menu_button") {
    if (event.chat_id == null) { // every chat's default changed: ask again for the chat shown
      state.menuButtons.clear();
      if (state.current) loadChat();
      return;
    }
    state.menuButtons.set(event.chat_id, event.menu_button);
    if (shown) renderMenuButton();
    return;
  }
  if (event.type === "keyboard") {
    state.keyboards.set(event.chat_id, event.keyboard);
    if (shown) {
      state.keyboardHidden = false;
      renderKeyboard();
    }
    return;
  }
  if (!shown) {
    if (event.type === "message" && event.message && !event.message.outgoing) {
      state.unread.set(event.chat_id, (state.unread.get(event.chat_id) || 0) + 1);
      renderPeople();
    }
    return;
  }
  if (event.type === "message" || event.type === "edited") {
    upsertMessage(event.message);
    if (event.type === "message" && !event.message.outgoing) $("#typing").textContent = "";
  } else if (event.type === "deleted") {
    $(`#messages .message[data-message-id="${event.message_id}"]`)?.remove();
  } else if (event.type === "action") {
    showTyping(event.action);
  } else if (event.type === "answer") {
    if (event.show_alert) {
      $("#alert-text").textContent = event.text;
      $("#alert").showModal();
    } else {
      toast(event.text);
    }
  }
}

// ------------------------------------------------------------------ start

async function start() {
  const sandbox = await api("/api/state");
  state.bot = sandbox.bot;
  state.people = sandbox.people;
  state.commands = sandbox.commands;
  state.zone = sandbox.zone;
  state.webappUrl = sandbox.webapp_url;
  $("#chat-title").textContent = sandbox.bot.name;
  renderClock(sandbox.clock);
  renderLinks(sandbox.links);
  $("#next-day").addEventListener("click", () => act(post("/api/clock", { days: 1 }).then(renderClock)));
  setUpComposer();
  setUpMiniApp();
  listen();
  const fromHash = Number((location.hash.match(/person=(\d+)/) || [])[1]);
  await switchTo(state.people.some((person) => person.id === fromHash) ? fromHash : state.people[0].id);
}

start().catch((error) => toast(`The sandbox is not answering: ${error.message}`));
