// What both Mini App pages share: Telegram's WebApp object, the API, the theme and the server's texts.
// Every text comes from the server (gettext, in the person's language); the page holds none of its own
// except the bilingual line for a page opened outside Telegram, where no language is known yet.
// Text goes into the page with textContent only, never innerHTML.

export const webApp = window.Telegram?.WebApp ?? null;

let texts = {};

export function useTexts(received) {
  texts = received || {};
}

// A key the server did not send shows nothing rather than an English word in a Chinese page.
export function t(key) {
  return texts[key] ?? "";
}

export const $ = (selector) => document.querySelector(selector);

export function fillTexts(root = document) {
  for (const element of root.querySelectorAll("[data-text]")) {
    element.textContent = t(element.dataset.text);
  }
}

// Every request is a POST carrying initData in its body, never in the URL (no personal data in addresses).
export async function call(path, body = {}) {
  const initData = webApp?.initData ?? "";
  let response;
  try {
    response = await fetch(`/app/api/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...body, init_data: initData }),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    return { status: 0, body: {} };
  }
  const answer = await response.json().catch(() => ({}));
  return { status: response.status, body: answer };
}

// Telegram's theme: its colours as CSS variables, light or dark as Telegram says; it follows live changes.
const THEME_VARIABLES = {
  bg_color: "--bg",
  text_color: "--text",
  hint_color: "--hint",
  link_color: "--link",
  button_color: "--button",
  button_text_color: "--button-text",
  secondary_bg_color: "--secondary-bg",
};

export function followTheme() {
  const apply = () => {
    const scheme = webApp?.colorScheme === "dark" ? "dark" : "light";
    document.documentElement.dataset.scheme = scheme;
    const params = webApp?.themeParams ?? {};
    for (const [name, variable] of Object.entries(THEME_VARIABLES)) {
      if (/^#[0-9a-fA-F]{3,8}$/.test(params[name] ?? "")) {
        document.documentElement.style.setProperty(variable, params[name]);
      } else {
        document.documentElement.style.removeProperty(variable);
      }
    }
  };
  apply();
  webApp?.onEvent("themeChanged", apply);
}

export function setLanguage(language) {
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
}

// The one text shown before (or without) the server: outside Telegram, or with a refused initData.
export function showOutsideTelegram(element) {
  element.replaceChildren();
  for (const line of ["Open this page from the bot in Telegram.", "请在 Telegram 中从机器人打开此页面。"]) {
    const paragraph = document.createElement("p");
    paragraph.textContent = line;
    element.append(paragraph);
  }
  element.hidden = false;
  document.body.dataset.state = "unauthorized";
}

export function startTelegram() {
  followTheme();
  webApp?.ready();
  webApp?.expand();
}

// The server's "now" minus this device's: the clock shown is the server's, whatever the phone's is set to.
let clockOffset = 0;

export function syncClock(serverTime) {
  const parsed = Date.parse(serverTime);
  if (!Number.isNaN(parsed)) clockOffset = parsed - Date.now();
}

export function serverNow() {
  return new Date(Date.now() + clockOffset);
}

export function formatMoment(value, language, withSeconds = false) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(language === "zh" ? "zh-CN" : "en-GB", {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    ...(withSeconds ? { second: "2-digit" } : {}),
  });
}
