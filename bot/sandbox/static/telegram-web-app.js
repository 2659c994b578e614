// The sandbox's stand-in for Telegram's telegram-web-app.js: window.Telegram.WebApp for a Mini App page shown
// in the sandbox's phone panel. As Telegram's script does, it reads the launch parameters from the address's
// fragment (#tgWebAppData=<initData signed with the bot's token>&tgWebAppThemeParams=...), and talks to the
// app around it (here the chat page, its parent) with postMessage: the QR scanner, haptics, closing.
// Only what the bot's pages use, with Telegram's names and behaviour.
"use strict";

(() => {
  const launch = new URLSearchParams(location.hash.slice(1));
  const initData = launch.get("tgWebAppData") || "";
  const handlers = new Map();
  let scanCallback = null;

  function parseJson(text, fallback) {
    try {
      return JSON.parse(text);
    } catch {
      return fallback;
    }
  }

  function unsafeData() {
    const fields = {};
    for (const [key, value] of new URLSearchParams(initData)) {
      fields[key] = ["user", "receiver", "chat"].includes(key) ? parseJson(value, null) : value;
    }
    if (fields.auth_date) fields.auth_date = Number(fields.auth_date);
    return fields;
  }

  // Telegram derives light or dark from the background's brightness.
  function schemeOf(theme) {
    const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(theme.bg_color || "");
    if (!match) return "light";
    const [red, green, blue] = match.slice(1).map((hex) => parseInt(hex, 16));
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue < 120 ? "dark" : "light";
  }

  function emit(type, data) {
    for (const handler of handlers.get(type) || []) {
      try {
        handler.call(WebApp, data);
      } catch (error) {
        setTimeout(() => { throw error; });
      }
    }
  }

  function tellApp(type, data = {}) {
    if (window.parent !== window) window.parent.postMessage({ sandboxWebApp: type, data }, location.origin);
  }

  const theme = parseJson(launch.get("tgWebAppThemeParams") || "{}", {});

  const WebApp = {
    initData,
    initDataUnsafe: unsafeData(),
    version: launch.get("tgWebAppVersion") || "8.0",
    platform: launch.get("tgWebAppPlatform") || "web",
    themeParams: theme,
    colorScheme: schemeOf(theme),
    isExpanded: true,
    viewportHeight: window.innerHeight,
    viewportStableHeight: window.innerHeight,
    onEvent(type, handler) {
      if (!handlers.has(type)) handlers.set(type, []);
      handlers.get(type).push(handler);
    },
    offEvent(type, handler) {
      handlers.set(type, (handlers.get(type) || []).filter((known) => known !== handler));
    },
    ready() { tellApp("ready"); },
    expand() {},
    close() { tellApp("close"); },
    setHeaderColor() {},
    setBackgroundColor() {},
    isVersionAtLeast(version) {
      const [major, minor = 0] = String(version).split(".").map(Number);
      return major < 8 || (major === 8 && minor <= 0);
    },
    // Telegram's contract: the callback gets each text read; returning true closes the scanner.
    showScanQrPopup(params = {}, callback = null) {
      scanCallback = callback;
      tellApp("scan_open", { text: typeof params.text === "string" ? params.text : "" });
    },
    closeScanQrPopup() {
      scanCallback = null;
      tellApp("scan_close");
    },
    showAlert(message, callback) {
      window.alert(message);
      callback?.();
    },
    HapticFeedback: {
      impactOccurred(style) { tellApp("haptic", { kind: "impact", style }); return this; },
      notificationOccurred(type) { tellApp("haptic", { kind: "notification", style: type }); return this; },
      selectionChanged() { tellApp("haptic", { kind: "selection", style: "" }); return this; },
    },
  };

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || event.origin !== location.origin) return;
    const message = event.data || {};
    if (message.sandboxTelegram === "qr_text" && scanCallback && typeof message.data === "string") {
      const close = scanCallback(message.data) === true;
      emit("qrTextReceived", { data: message.data });
      if (close) WebApp.closeScanQrPopup();
    } else if (message.sandboxTelegram === "scan_closed") {
      scanCallback = null;
      emit("scanQrPopupClosed", {});
    } else if (message.sandboxTelegram === "theme" && message.data && typeof message.data === "object") {
      WebApp.themeParams = message.data;
      WebApp.colorScheme = schemeOf(message.data);
      emit("themeChanged", {});
    }
  });

  window.Telegram = { WebApp };
})();
