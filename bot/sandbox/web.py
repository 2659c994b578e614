"""The chat page's server: the page itself, a small JSON API acting as each person's Telegram app, and live events.

Each action goes into the emulator exactly as a Telegram client would send it (a message, a button's
callback query, a shared contact, a photo, a `/start <payload>` from a t.me link), so the bot cannot tell
the sandbox from Telegram. Events reach the page as server-sent events.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

import zxingcpp
from aiohttp import BodyPartReader, web
from aiohttp.typedefs import Handler
from PIL import Image, UnidentifiedImageError

from .emulator.objects import TelegramError
from .people import SandboxPerson, person
from .process import TIMEZONE

if TYPE_CHECKING:
    from .runner import Sandbox

SANDBOX_KEY: web.AppKey[Sandbox] = web.AppKey("sandbox")
STREAMS_KEY: web.AppKey[set[asyncio.Queue[dict[str, Any] | None]]] = web.AppKey("streams")

MAX_TEXT = 4096  # Telegram's clients split longer messages; the sandbox refuses them instead
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's limit for a photo
MAX_SKIP_DAYS = 30
_START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what Telegram accepts in ?start=
_STATIC_FILES = {
    "index.html": "text/html",
    "app.js": "text/javascript",
    "style.css": "text/css",
    # Telegram.WebApp for the Mini App's pages in the sandbox's panel (bot/sandbox/miniapp.py).
    "telegram-web-app.js": "text/javascript",
}
HEARTBEAT_SECONDS = 15


class Refused(web.HTTPException):
    """A request the page should not have made: a JSON body with an English message for the console."""

    def __init__(self, status: int, message: str) -> None:
        self.status_code = status
        super().__init__(text=json.dumps({"error": message}), content_type="application/json")


def create_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(client_max_size=MAX_PHOTO_BYTES + 64 * 1024, middlewares=[_same_origin_only])
    app[SANDBOX_KEY] = sandbox
    app[STREAMS_KEY] = set()
    app.router.add_get("/", _page)
    app.router.add_get("/static/{name}", _static)
    app.router.add_get("/api/state", _state)
    app.router.add_get("/api/chats/{person}", _chat)
    app.router.add_post("/api/chats/{person}/messages", _send_text)
    app.router.add_post("/api/chats/{person}/buttons", _press_button)
    app.router.add_post("/api/chats/{person}/contact", _share_contact)
    app.router.add_post("/api/chats/{person}/photos", _send_photo)
    app.router.add_post("/api/chats/{person}/links", _open_link)
    app.router.add_post("/api/chats/{person}/scans", _scan)
    app.router.add_get("/api/files/{file_id}", _file)
    app.router.add_post("/api/clock", _skip_days)
    app.router.add_get("/api/events", _events)
    app.on_shutdown.append(_close_streams)
    return app


# --------------------------------------------------------------------------- guarding the API


@web.middleware
async def _same_origin_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Only this page may drive the sandbox: a web site open in another tab cannot post to it (no
    CORS), and a foreign host name pointing at 127.0.0.1 (DNS rebinding) is refused too."""
    sandbox = _sandbox(request)
    allowed_hosts = {f"127.0.0.1:{sandbox.port}", f"localhost:{sandbox.port}", f"{sandbox.host}:{sandbox.port}"}
    # Served on every address (--host 0.0.0.0), by choice: any name for this machine is accepted.
    any_host = sandbox.host in ("0.0.0.0", "::")
    if not any_host and request.host not in allowed_hosts:
        raise Refused(421, "unknown host")
    if request.method not in ("GET", "HEAD"):
        origin = request.headers.get("Origin")
        if origin is None or urlsplit(origin).netloc != request.host:
            raise Refused(403, "cross-origin request")
    return await handler(request)


def _sandbox(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]


def person_of(request: web.Request) -> SandboxPerson:
    try:
        found = person(int(request.match_info["person"]))
    except ValueError:
        found = None
    if found is None:
        raise Refused(404, "no such person in the sandbox")
    return found


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Refused(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise Refused(400, "the body must be a JSON object")
    return body


# --------------------------------------------------------------------------- reading


async def _page(request: web.Request) -> web.Response:
    return await _static_file("index.html")


async def _static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in _STATIC_FILES:
        raise Refused(404, "no such file")
    return await _static_file(name)


async def _static_file(name: str) -> web.Response:
    text = resources.files("bot.sandbox").joinpath("static", name).read_text(encoding="utf-8")
    # The page changes with the code; a cached old copy would talk to a newer API.
    return web.Response(text=text, content_type=_STATIC_FILES[name], headers={"Cache-Control": "no-store"})


async def _state(request: web.Request) -> web.Response:
    sandbox = _sandbox(request)
    fake = sandbox.fake
    commands = {language: fake.my_commands(language) or fake.my_commands() for language in ("en", "zh")}
    return web.json_response(
        {
            "bot": {"username": fake.bot_user["username"], "name": fake.bot_user["first_name"]},
            "people": [candidate.to_dict() for candidate in sandbox.people],
            "clock": _clock(sandbox),
            "zone": TIMEZONE,
            "links": [{"label": link.label, "url": link.url} for link in sandbox.links],
            "commands": commands,
            "webapp_url": sandbox.webapp_url,
        }
    )


async def _chat(request: web.Request) -> web.Response:
    sandbox = _sandbox(request)
    chat = person_of(request)
    messages = [to_page(sandbox, message) for message in sandbox.fake.chat_history(chat.id)]
    return web.json_response(
        {"messages": messages, "keyboard": _keyboard(sandbox, chat.id), "menu_button": _menu_button(sandbox, chat.id)}
    )


async def _file(request: web.Request) -> web.Response:
    stored = _sandbox(request).fake.stored_file(request.match_info["file_id"])
    if stored is None or stored.kind not in ("photo", "document"):
        raise Refused(404, "no such file")
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    if stored.kind == "document":
        name = str(stored.extra.get("file_name") or "document")
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        content_type = str(stored.extra.get("mime_type") or "application/octet-stream")
    else:
        content_type = "image/png" if stored.file_path.endswith(".png") else "image/jpeg"
    return web.Response(body=stored.data, content_type=content_type, headers=headers)


def _clock(sandbox: Sandbox) -> dict[str, Any]:
    clock = sandbox.clock
    if clock is None:
        return {"now": None, "skipped_days": 0}
    return {"now": clock.now().isoformat(), "skipped_days": clock.offset_days}


def _keyboard(sandbox: Sandbox, chat_id: int) -> dict[str, Any] | None:
    return sandbox.fake.reply_keyboard(chat_id)


def _menu_button(sandbox: Sandbox, chat_id: int) -> dict[str, Any] | None:
    """The chat's menu button when the bot made it open a Mini App (setChatMenuButton); otherwise none."""
    buttons = sandbox.fake.menu_buttons
    button = buttons.get(chat_id, buttons.get(None))
    if not button or button.get("type") != "web_app":
        return None
    return {"text": button.get("text", ""), "web_app": button.get("web_app", {})}


def to_page(sandbox: Sandbox, message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as the page draws it: who sent it, its formatted text, media and inline buttons."""
    page: dict[str, Any] = {
        "id": message["message_id"],
        "outgoing": message["from"]["id"] != sandbox.fake.bot_user["id"],
        "date": message["date"],
        "edited": "edit_date" in message,
        "text": message.get("text") or message.get("caption") or "",
        "entities": message.get("entities") or message.get("caption_entities") or [],
    }
    if message.get("photo"):
        largest = message["photo"][-1]
        page["photo"] = {
            "url": f"/api/files/{largest['file_id']}",
            "file_id": largest["file_id"],
            "width": largest.get("width"),
            "height": largest.get("height"),
        }
    if document := message.get("document"):
        page["document"] = {
            "url": f"/api/files/{document['file_id']}",
            "file_name": document.get("file_name") or "document",
            "mime_type": document.get("mime_type"),
            "size": document.get("file_size"),
        }
    if contact := message.get("contact"):
        page["contact"] = {"phone_number": contact["phone_number"], "first_name": contact.get("first_name")}
    if sticker := message.get("sticker"):
        page["sticker"] = {"emoji": sticker.get("emoji") or "🖼"}
    markup = message.get("reply_markup") or {}
    if "inline_keyboard" in markup:
        page["inline_keyboard"] = [
            [
                {key: button[key] for key in ("text", "callback_data", "url", "copy_text", "web_app") if key in button}
                for button in row
            ]
            for row in markup["inline_keyboard"]
        ]
    return page


# --------------------------------------------------------------------------- acting as a person


async def _send_text(request: web.Request) -> web.Response:
    sender = person_of(request)
    text = (await json_body(request)).get("text")
    if not isinstance(text, str) or not text.strip():
        raise Refused(400, "type a message first")
    if len(text) > MAX_TEXT:
        raise Refused(400, f"a message has at most {MAX_TEXT} characters")
    await _sandbox(request).fake.send_message(sender.user, text)
    return web.json_response({"ok": True})


async def _press_button(request: web.Request) -> web.Response:
    """As Telegram: only a button the message shows now can be pressed, however old the message is."""
    sender = person_of(request)
    body = await json_body(request)
    message_id, data = body.get("message_id"), body.get("callback_data")
    fake = _sandbox(request).fake
    message = fake.message(sender.id, message_id) if isinstance(message_id, int) else None
    if message is None:
        raise Refused(404, "that message is gone")
    buttons = [button for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for button in row]
    if not isinstance(data, str) or data not in [button.get("callback_data") for button in buttons]:
        raise Refused(409, "that button is no longer on the message")
    await fake.press_button(sender.user, message, data)
    return web.json_response({"ok": True})


async def _share_contact(request: web.Request) -> web.Response:
    """The "share my phone number" button: Telegram sends the person's own number, with their user id."""
    sender = person_of(request)
    await _sandbox(request).fake.send_contact(sender.user, sender.phone, sender.id)
    return web.json_response({"ok": True})


async def _send_photo(request: web.Request) -> web.Response:
    sender = person_of(request)
    data = await _uploaded_photo(request)
    try:
        await _sandbox(request).fake.send_photo(sender.user, data)
    except TelegramError:
        raise Refused(400, "that file is not a picture") from None
    return web.json_response({"ok": True})


async def _uploaded_photo(request: web.Request) -> bytes:
    if not request.content_type.startswith("multipart/"):
        raise Refused(400, "send the picture as a multipart form")
    reader = await request.multipart()
    async for part in reader:
        if isinstance(part, BodyPartReader) and part.name == "photo":
            data = await part.read(decode=False)
            if not data:
                raise Refused(400, "the picture is empty")
            return bytes(data)
    raise Refused(400, "no picture in the form")


async def _open_link(request: web.Request) -> web.Response:
    """A t.me/<bot>?start=<payload> link opened on this person's phone: Telegram sends `/start <payload>`."""
    opener = person_of(request)
    url = (await json_body(request)).get("url")
    payload = start_payload(_sandbox(request), url)
    if payload is None:
        raise Refused(400, "not a link to this bot")
    await _sandbox(request).fake.send_message(opener.user, f"/start {payload}" if payload else "/start")
    return web.json_response({"ok": True})


async def _scan(request: web.Request) -> web.Response:
    """This person points their phone's camera at a picture in a chat: the QR code in it is read for real."""
    scanner = person_of(request)
    file_id = (await json_body(request)).get("file_id")
    sandbox = _sandbox(request)
    stored = sandbox.fake.stored_file(file_id) if isinstance(file_id, str) else None
    if stored is None or stored.kind != "photo":
        raise Refused(404, "no such picture")
    text = await asyncio.to_thread(read_qr, stored.data)
    payload = start_payload(sandbox, text)
    if payload is None:
        raise Refused(422, "no code of this bot in the picture")
    await sandbox.fake.send_message(scanner.user, f"/start {payload}" if payload else "/start")
    return web.json_response({"ok": True})


def read_qr(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            results = zxingcpp.read_barcodes(image.convert("L"))
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    return next((result.text for result in results if result.text), None)


def start_payload(sandbox: Sandbox, url: object) -> str | None:
    """The start payload of a link to this bot ("" for a link without one); None for anything else."""
    if not isinstance(url, str) or len(url) > 2048:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http", "tg") or parts.netloc not in ("t.me", "telegram.me"):
        return None
    if parts.path.strip("/").lower() != str(sandbox.fake.bot_user["username"]).lower():
        return None
    payload = parse_qs(parts.query).get("start", [""])[0]
    if payload and not _START_PAYLOAD.fullmatch(payload):
        return ""  # Telegram ignores a malformed payload and just opens the chat
    return payload


async def _skip_days(request: web.Request) -> web.Response:
    days = (await json_body(request)).get("days")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_SKIP_DAYS:
        raise Refused(400, f"skip between 1 and {MAX_SKIP_DAYS} days")
    sandbox = _sandbox(request)
    if sandbox.clock is None:  # a page left open from an earlier run, reconnecting while this one starts
        raise Refused(503, "the sandbox is still starting")
    sandbox.skip_days(days)
    _broadcast(request.app, {"type": "clock", "clock": _clock(sandbox)})
    return web.json_response(_clock(sandbox))


# --------------------------------------------------------------------------- live events


async def _events(request: web.Request) -> web.StreamResponse:
    """Server-sent events for every chat; the page keeps what concerns the person it shows."""
    sandbox = _sandbox(request)
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)

    def forward(event: dict[str, Any]) -> None:
        queue.put_nowait(page_event(sandbox, event))

    streams: set[asyncio.Queue[dict[str, Any] | None]] = request.app[STREAMS_KEY]
    streams.add(queue)
    stop_observing = sandbox.fake.observe(forward)
    try:
        await response.write(b"retry: 1000\n\n")
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                await response.write(b": still here\n\n")
                continue
            if event is None:
                break
            await response.write(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        stop_observing()
        streams.discard(queue)
    return response


def page_event(sandbox: Sandbox, event: dict[str, Any]) -> dict[str, Any]:
    """An emulator event with what the page needs to draw it (the message as it is now)."""
    kind, chat_id = event["type"], event.get("chat_id")
    if not isinstance(chat_id, int):  # an event of no chat (the clock) goes as it is
        return event
    if kind in ("message", "edited"):
        message = sandbox.fake.message(chat_id, event["message_id"])
        if message is not None:
            return {"type": kind, "chat_id": chat_id, "message": to_page(sandbox, message)}
    if kind == "keyboard":
        return {"type": kind, "chat_id": chat_id, "keyboard": _keyboard(sandbox, chat_id)}
    if kind == "menu_button":
        return {"type": kind, "chat_id": chat_id, "menu_button": _menu_button(sandbox, chat_id)}
    return event


def _broadcast(app: web.Application, event: dict[str, Any]) -> None:
    for queue in app[STREAMS_KEY]:
        queue.put_nowait(event)


async def _close_streams(app: web.Application) -> None:
    streams = app[STREAMS_KEY]
    for queue in list(streams):
        with contextlib.suppress(Exception):
            queue.put_nowait(None)
