// The checkpoint scanner: Telegram's own QR scanner in a loop. Each code read goes to the server, which gives
// the same verdict as the chat's /verify; the verdict fills the screen, with a haptic, until a temperature
// is recorded with one tap (or the next code is asked for), and then the scanner opens again.
import { $, call, fillTexts, formatMoment, setLanguage, showOutsideTelegram, startTelegram, t, useTexts, webApp }
  from "./common.js";

const VERDICTS = new Set(["pass", "do_not_pass", "not_valid"]);
const HAPTICS = { pass: "success", do_not_pass: "error", not_valid: "warning" };
const BACK_TO_SCANNING_MS = 900; // long enough to read "recorded", short enough for a queue

// count: today's checks by this staff member, known from the first verdict on (the chat's count too).
const state = { busy: false, check: null, count: null, scanning: false, language: "en" };

async function start() {
  // The page's labels come with /app/api/code, in the person's language, before the first scan.
  const { status, body } = await call("code");
  if (status === 401) {
    showOutsideTelegram($("#notice"));
    return;
  }
  if (status !== 200) {
    showNotice(t("error") || "…", "error");
    return;
  }
  state.language = body.language;
  setLanguage(body.language);
  useTexts(body.texts);
  fillTexts();
  document.title = t("scan") || document.title;
  showReady();
  openScanner();
}

function showNotice(text, kind) {
  const notice = $("#notice");
  notice.textContent = text;
  notice.hidden = false;
  $("#ready").hidden = true;
  $("#verdict").hidden = true;
  document.body.dataset.state = kind;
  closeScanner();
}

function showReady() {
  state.check = null;
  $("#verdict").hidden = true;
  $("#notice").hidden = true;
  $("#ready").hidden = false;
  document.body.dataset.state = "ready";
  delete document.body.dataset.verdict;
  $("#count").textContent = String(state.count ?? "");
  $("#ready .counter").hidden = state.count === null;
}

function openScanner() {
  if (!webApp?.showScanQrPopup) return; // an old Telegram: the scan button stays, and says what to do
  try {
    webApp.showScanQrPopup({ text: t("scan_hint") }, (text) => {
      received(text);
      return true; // close the popup: the verdict needs the whole screen
    });
    state.scanning = true;
  } catch {
    // Telegram's script throws on a version without the scanner (before 6.4): the page stays as it is.
    state.scanning = false;
  }
}

function closeScanner() {
  if (state.scanning) webApp?.closeScanQrPopup?.();
  state.scanning = false;
}

async function received(text) {
  state.scanning = false;
  if (state.busy || typeof text !== "string" || !text) return;
  state.busy = true;
  document.body.dataset.state = "checking";
  try {
    const { status, body } = await call("verify", { code: text });
    if (status === 401) {
      showOutsideTelegram($("#notice"));
      closeScanner();
      return;
    }
    if (status === 403) {
      showNotice(t("forbidden"), "forbidden");
      return;
    }
    if (status !== 200 || !VERDICTS.has(body.verdict)) {
      // Too many codes that did not verify (429) and the like: the server's own words when it gave some.
      showVerdict({ verdict: "not_valid", title: body.title || t("error"), detail: body.detail || body.message || "" });
      return;
    }
    state.count = Number.isInteger(body.checked_today) ? body.checked_today : state.count;
    showVerdict(body);
  } finally {
    state.busy = false;
  }
}

function showVerdict(result) {
  const colour = ["green", "yellow", "red"].includes(result.colour) ? result.colour : "none";
  document.body.dataset.state = "verdict";
  document.body.dataset.verdict = result.verdict;
  document.body.dataset.colour = colour;
  $("#ready").hidden = true;
  $("#notice").hidden = true;
  $("#verdict").hidden = false;
  $("#verdict-title").textContent = result.title || "";
  $("#verdict-name").textContent = result.name || "";
  labelled($("#verdict-document"), "document", result.document_last4);
  labelled($("#verdict-valid"), "valid_until", result.valid_until && formatMoment(result.valid_until, state.language));
  $("#verdict-detail").textContent = result.detail || "";
  $("#verdict-count").textContent = String(state.count ?? "");
  $("#verdict .counter").hidden = state.count === null;
  state.check = typeof result.check === "string" ? result.check : null;
  $("#temperature").hidden = state.check === null;
  $("#recorded").hidden = true;
  setReadingsEnabled(true);
  webApp?.HapticFeedback?.notificationOccurred(HAPTICS[result.verdict] || "warning");
}

// A label from the server's texts over its value; nothing at all when there is no value.
function labelled(element, key, value) {
  element.replaceChildren();
  if (!value) return;
  const label = document.createElement("span");
  label.className = "label";
  label.textContent = t(key);
  const shown = document.createElement("b");
  shown.textContent = value;
  element.append(label, shown);
}

function setReadingsEnabled(enabled) {
  for (const button of document.querySelectorAll(".reading")) button.disabled = !enabled;
}

async function record(reading) {
  if (state.check === null || state.busy) return;
  state.busy = true;
  setReadingsEnabled(false);
  try {
    const { status, body } = await call("checkpoint", { check: state.check, reading });
    const recorded = $("#recorded");
    recorded.hidden = false;
    if (status === 401) {
      showOutsideTelegram($("#notice"));
      return;
    }
    if (status !== 200 || body.ok !== true) {
      recorded.textContent = body.detail || body.title || t("error");
      setReadingsEnabled(true);
      webApp?.HapticFeedback?.notificationOccurred("error");
      return;
    }
    recorded.textContent = [body.title, body.detail].filter(Boolean).join(" · ");
    webApp?.HapticFeedback?.impactOccurred(reading === "fever" ? "heavy" : "light");
    state.check = null;
    setTimeout(next, BACK_TO_SCANNING_MS);
  } finally {
    state.busy = false;
  }
}

function next() {
  if (document.body.dataset.state !== "verdict") return;
  showReady();
  openScanner();
}

startTelegram();
$("#scan").addEventListener("click", openScanner);
$("#next").addEventListener("click", next);
$("#fever").addEventListener("click", () => record("fever"));
$("#normal").addEventListener("click", () => record("normal"));
webApp?.onEvent("scanQrPopupClosed", () => { state.scanning = false; });
if (webApp?.initData) {
  start();
} else {
  showOutsideTelegram($("#notice"));
}
