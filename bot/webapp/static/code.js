// The holder's live code: the colour, the QR, the name, valid until, the time to the second and a moving bar,
// re-fetched at renew_after so the QR's token renews itself as /code's does.
import { $, call, fillTexts, formatMoment, serverNow, setLanguage, showOutsideTelegram, startTelegram, syncClock,
  t, useTexts, webApp } from "./common.js";

const COLOURS = new Set(["green", "yellow", "red"]);
const RETRY_MS = 15_000;          // after a failed fetch
const LATEST_RENEWAL_MS = 60 * 60 * 1000;
const EARLIEST_RENEWAL_MS = 5_000; // a renew_after already past must not become a loop of requests

const state = { language: "en", holders: [], shown: 0, renewal: null };

async function load() {
  clearTimeout(state.renewal);
  const { status, body } = await call("code");
  if (status === 401) {
    showOutsideTelegram($("#notice"));
    $("#card").hidden = true;
    $("#holders").hidden = true;
    return;
  }
  if (status !== 200) {
    showError(body);
    state.renewal = setTimeout(load, RETRY_MS);
    return;
  }
  syncClock(body.server_time);
  state.language = body.language;
  setLanguage(body.language);
  useTexts(body.texts);
  fillTexts();
  document.title = t("my_code") || document.title;
  state.holders = Array.isArray(body.holders) ? body.holders : [];
  if (!state.holders.length) {
    showMessage(body.message || t("error"));
    return;
  }
  const previous = state.holders.findIndex((holder) => holder.id === state.shownId);
  state.shown = previous >= 0 ? previous : 0;
  $("#notice").hidden = true;
  renderHolders();
  render();
  scheduleRenewal();
}

function showMessage(text) {
  const notice = $("#notice");
  notice.textContent = text;
  notice.hidden = false;
  $("#card").hidden = true;
  $("#holders").hidden = true;
  document.body.dataset.state = "empty";
}

function showError(body) {
  if (state.holders.length) return; // keep the code on screen; the next attempt may succeed
  const notice = $("#notice");
  notice.textContent = body?.message || t("error") || "…";
  notice.hidden = false;
  document.body.dataset.state = "error";
}

function renderHolders() {
  const nav = $("#holders");
  nav.hidden = state.holders.length < 2;
  nav.setAttribute("aria-label", t("holders"));
  nav.replaceChildren(...state.holders.map((holder, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `holder colour-${safeColour(holder.colour)}`;
    button.dataset.holderId = holder.id;
    button.setAttribute("aria-pressed", String(index === state.shown));
    button.textContent = holder.name;
    button.addEventListener("click", () => {
      state.shown = index;
      webApp?.HapticFeedback?.selectionChanged();
      renderHolders();
      render();
    });
    return button;
  }));
}

function safeColour(colour) {
  return COLOURS.has(colour) ? colour : "unknown";
}

function render() {
  const holder = state.holders[state.shown];
  state.shownId = holder.id;
  const colour = safeColour(holder.colour);
  document.body.dataset.colour = colour;
  document.body.dataset.state = "code";
  $("#card").hidden = false;
  $("#colour-label").textContent = holder.colour_label;
  const qr = $("#qr");
  // Only the server's own PNG: a data URL of anything else would not be ours to show.
  if (typeof holder.qr_png === "string" && holder.qr_png.startsWith("data:image/png;base64,")) qr.src = holder.qr_png;
  qr.alt = holder.colour_label;
  $("#name").textContent = holder.name;
  $("#valid-until").textContent = holder.valid_until ? formatMoment(holder.valid_until, state.language) : "—";
  $("#reason").textContent = holder.reason || "";
  $("#way-to-green").textContent = holder.way_to_green || "";
  tick();
  webApp?.setHeaderColor?.("bg_color");
}

function tick() {
  $("#now").textContent = formatMoment(serverNow(), state.language, true);
}

function scheduleRenewal() {
  const renewAfters = state.holders.map((holder) => Date.parse(holder.renew_after)).filter((at) => !Number.isNaN(at));
  const soonest = renewAfters.length ? Math.min(...renewAfters) : serverNow().getTime() + LATEST_RENEWAL_MS;
  const wait = Math.min(Math.max(soonest - serverNow().getTime(), EARLIEST_RENEWAL_MS), LATEST_RENEWAL_MS);
  state.renewal = setTimeout(load, wait);
}

function setUpWhy() {
  const toggle = $("#why-toggle");
  toggle.addEventListener("click", () => {
    const open = $("#why").hidden;
    $("#why").hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) $("#why").scrollIntoView({ behavior: "smooth", block: "nearest" });
  });
}

// A phone asleep past renew_after shows a stale QR on waking: fetch at once instead of waiting for the timer.
function setUpWaking() {
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible" || !state.holders.length) return;
    const due = state.holders.some((holder) => Date.parse(holder.renew_after) <= serverNow().getTime());
    if (due) load();
  });
}

startTelegram();
setUpWhy();
setUpWaking();
setInterval(() => { if (state.holders.length) tick(); }, 250);
if (webApp?.initData) {
  load();
} else {
  showOutsideTelegram($("#notice"));
}
