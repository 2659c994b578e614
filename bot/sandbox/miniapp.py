"""The sandbox as Telegram's app for the Mini App: it frames the bot's pages, signs their initData, and scans.

Telegram opens a Mini App in a web view, hands it `initData` signed with the bot's token (in the address's
fragment, `#tgWebAppData=...`, which no server sees) and lends it the phone's QR scanner. Here the chat page
does the same in a phone-sized panel: the pages are the bot's own, fetched from the bot process's Mini App
server through this one (so the panel, the pages and their API share one origin, as a web view and its page
do), the initData is signed exactly as Telegram signs it, and the scanner "reads" a code shown on screen.

Two things differ from Telegram and are changed on the way through, only here: the pages load the
sandbox's stand-in for telegram-web-app.js (static/telegram-web-app.js) instead of Telegram's, and their
`frame-ancestors` names this page instead of Telegram's web clients, which are who may frame them for real.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import posixpath
from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

import aiohttp
from aiohttp import web

from .emulator import FakeUser
from .web import SANDBOX_KEY, Refused, json_body, person_of, read_qr, start_payload

if TYPE_CHECKING:
    from .runner import Sandbox

WEBAPP_PATH = "/app"
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
STAND_IN_SCRIPT = "/static/telegram-web-app.js"
PROXY_TIMEOUT = aiohttp.ClientTimeout(total=15)
# A connection's own headers, and those the proxy recomputes (aiohttp decompresses and re-measures).
_NOT_FORWARDED = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host", "upgrade"}
)
_CLIENT: web.AppKey[aiohttp.ClientSession] = web.AppKey("miniapp_client", aiohttp.ClientSession)
_QR_TEXTS: web.AppKey[dict[str, str | None]] = web.AppKey("miniapp_qr_texts", dict)


def add_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(_client)
    app[_QR_TEXTS] = {}
    app.router.add_route("*", WEBAPP_PATH, _forward)
    app.router.add_route("*", WEBAPP_PATH + "/{tail:.*}", _forward)
    app.router.add_post("/api/chats/{person}/webapp", _open)
    app.router.add_get("/api/webapp/codes", _codes_on_screen)


async def _client(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(timeout=PROXY_TIMEOUT, auto_decompress=True) as session:
        app[_CLIENT] = session
        yield


def sign_init_data(token: str, user: FakeUser, auth_date: datetime, **extra: str) -> str:
    """initData as Telegram makes it: the fields, and `hash`, the HMAC-SHA256 of their sorted "key=value"
    lines under the key HMAC-SHA256("WebAppData", bot token)."""
    user_fields = {**user.to_dict(), "allows_write_to_pm": True}
    user_fields.pop("is_bot", None)
    fields = {
        "user": json.dumps(user_fields, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(auth_date.timestamp())),
        **extra,
    }
    check_string = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def _sandbox(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]


async def _open(request: web.Request) -> web.Response:
    """A web_app button (or the menu button) pressed on this person's phone: the page to show and its initData."""
    opener = person_of(request)
    url = (await json_body(request)).get("url")
    sandbox = _sandbox(request)
    if not isinstance(url, str) or sandbox.webapp_url is None:
        raise Refused(400, "not a Mini App of this bot")
    parts, ours = urlsplit(url), urlsplit(sandbox.webapp_url)
    # Normalised first: "/app/../api/..." is not under /app, whatever its first letters say.
    page = posixpath.normpath(parts.path) if parts.path else ""
    if parts.netloc != ours.netloc or not (page == ours.path or page.startswith(ours.path + "/")):
        raise Refused(400, "not a Mini App of this bot")
    if sandbox.clock is None:
        raise Refused(503, "the sandbox is still starting")
    # The bot's clock, which the page may have moved days ahead: Telegram's signature is as fresh as the bot's now.
    init_data = sign_init_data(sandbox.fake.token, opener.user, sandbox.clock.now())
    # Only the path: the panel loads it from this page's own origin, whatever name the page was opened by.
    path = page + (f"?{parts.query}" if parts.query else "")
    return web.json_response({"path": path, "init_data": init_data})


async def _codes_on_screen(request: web.Request) -> web.Response:
    """What the scanner can be pointed at: each person's latest code picture in their chat, read for real."""
    sandbox = _sandbox(request)
    texts = request.app[_QR_TEXTS]
    codes = []
    for candidate in sandbox.people:
        for message in reversed(sandbox.fake.chat_history(candidate.id)):
            photo = (message.get("photo") or [None])[-1]
            if photo is None or message["from"]["id"] != sandbox.fake.bot_user["id"]:
                continue
            file_id = photo["file_id"]
            if file_id not in texts:
                stored = sandbox.fake.stored_file(file_id)
                texts[file_id] = await asyncio.to_thread(read_qr, stored.data) if stored else None
            text = texts[file_id]
            if text is not None and start_payload(sandbox, text):
                codes.append(
                    {"person_id": candidate.id, "name": candidate.name, "photo": f"/api/files/{file_id}", "text": text}
                )
                break
    return web.json_response({"codes": codes})


async def _forward(request: web.Request) -> web.StreamResponse:
    """The bot's Mini App server, through this origin."""
    sandbox = _sandbox(request)
    if sandbox.webapp_port is None:
        raise Refused(503, "the bot's Mini App is not running")
    target = f"http://127.0.0.1:{sandbox.webapp_port}{request.rel_url}"
    headers = {key: value for key, value in request.headers.items() if key.lower() not in _NOT_FORWARDED}
    try:
        async with request.app[_CLIENT].request(
            request.method, target, headers=headers, data=await request.read(), allow_redirects=False
        ) as upstream:
            body = await upstream.read()
            answer_headers = {
                key: value for key, value in upstream.headers.items() if key.lower() not in _NOT_FORWARDED
            }
    except (aiohttp.ClientError, TimeoutError):
        raise Refused(502, "the bot's Mini App is not answering") from None
    if "Content-Security-Policy" in answer_headers:
        answer_headers["Content-Security-Policy"] = _framed_here(answer_headers["Content-Security-Policy"])
    if upstream.content_type == "text/html":
        body = body.replace(TELEGRAM_SCRIPT.encode(), STAND_IN_SCRIPT.encode())
    return web.Response(status=upstream.status, body=body, headers=answer_headers)


def _framed_here(policy: str) -> str:
    """The page's policy, with this page (the sandbox's Telegram) as the one allowed to frame it."""
    directives = [part.strip() for part in policy.split(";") if part.strip()]
    kept = [part for part in directives if not part.lower().startswith("frame-ancestors")]
    return "; ".join([*kept, "frame-ancestors 'self'"])
