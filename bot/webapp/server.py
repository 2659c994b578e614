"""The Mini App over HTTP: its two pages, their static files and the JSON API, with strict headers.

Mounted on the webhook server in webhook mode, or on a small server of its own in polling mode
(`serve_alone`). Every API request is a POST whose JSON body carries Telegram's signed `initData`; the person
is the user it names, and every action checks their role on the server, as the chat does. Nothing personal
is in a URL or a log line: the pages' addresses are fixed and the API's answers are never cached.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.accounts import Accounts
from bot.clock import Clock
from bot.codes import presenter as codes_presenter
from bot.codes.service import CodeSettings
from bot.domain.qr_image import render_code_png
from bot.i18n import locale_for_telegram_language
from bot.metrics import Metrics
from bot.verification import service as verification
from bot.verification.holder_notice import should_tell, tell_holder
from bot.verification.reader import start_payload_token
from bot.verification.service import NotStaff, Recorded, Throttled
from bot.verification.throttle import FailureThrottle, Throttle
from bot.webapp import presenter
from bot.webapp.auth import InitDataReader, WebAppPerson
from bot.webapp.checks import check_key, read_check, sign_check
from bot.webapp.service import account_of, family_codes, own_code
from bot.webapp.texts import page_texts

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
PREFIX = "/app"
# Far more than an initData and a scanned link; a larger body is refused before it is read.
MAX_BODY = 16 * 1024
# A scanned text longer than this is no code of ours (a link is about 100 characters).
MAX_CODE = 1024

TELEGRAM_FRAMES = ("https://web.telegram.org", "https://*.telegram.org")


def security_headers(frame_ancestors: tuple[str, ...] = ()) -> dict[str, str]:
    """Only this server's scripts and Telegram's; framed only by Telegram (and the sandbox's page, when named)."""
    frames = " ".join((*TELEGRAM_FRAMES, *frame_ancestors))
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self' https://telegram.org; img-src 'self' data:; "
            f"frame-ancestors {frames}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


UNAUTHORIZED = {"error": "unauthorized"}
FORBIDDEN = {"error": "forbidden"}
INVALID = {"error": "invalid"}


@dataclass(frozen=True)
class WebAppContext:
    """What the API needs of the bot: the same clock, zone, keys, roles and throttle as the chat."""

    bot_token: str
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    zone: tzinfo
    code_settings: CodeSettings
    admin_ids: Collection[int]
    i18n: I18n
    throttle: Throttle = field(default_factory=FailureThrottle)
    # No cache: a language chosen in the chat shows here at once, whichever process served the choice.
    accounts: Accounts = field(default_factory=lambda: Accounts(cache_size=0))
    frame_ancestors: tuple[str, ...] = ()
    # The chat's counters: a scan counts among the verifications by verdict, as a /verify does.
    metrics: Metrics | None = None

    @functools.cached_property
    def check_key(self) -> bytes:
        return check_key(self.bot_token)

    @functools.cached_property
    def init_data(self) -> InitDataReader:
        return InitDataReader(self.bot_token)

    @functools.cached_property
    def headers(self) -> dict[str, str]:
        return security_headers(self.frame_ancestors)


CONTEXT = web.AppKey("webapp", WebAppContext)
Answer = Callable[[web.Request, WebAppPerson, dict[str, Any]], Awaitable[web.Response]]


def answer(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda value: json.dumps(value, ensure_ascii=False))


def _api(handler: Answer) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Reads the JSON body and the person from its initData; anything unreadable is 401, and says nothing more."""

    async def endpoint(request: web.Request) -> web.Response:
        context = request.app[CONTEXT]
        try:
            body = json.loads(await request.read())
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            return answer(UNAUTHORIZED, 401)
        person = context.init_data.person(body.get("init_data"), context.clock())
        if person is None:
            return answer(UNAUTHORIZED, 401)
        return await handler(request, person, body)

    return endpoint


async def code(request: web.Request, person: WebAppPerson, body: dict[str, Any]) -> web.Response:
    context = request.app[CONTEXT]
    now = context.clock()
    async with context.sessions() as session:
        account = await account_of(session, context.accounts, person.user_id)
        locale = account.language if account is not None else locale_for_telegram_language(person.language_code)
        shown = await own_code(session, account, now, context.zone, context.code_settings) if account else None
        members = (
            await family_codes(session, account, now, context.zone, context.code_settings)
            if account is not None and shown is not None
            else []
        )
    codes = [(presenter.OWN_CODE_ID, shown)] if shown is not None else []
    # A member's place in the list, not their id: the page only needs to tell the codes apart.
    codes += [(f"member-{number}", member) for number, member in enumerate(members, start=1)]
    # Drawing is CPU work (milliseconds): off the event loop, as the chat's photo decoding is.
    pictures = [
        await asyncio.to_thread(
            render_code_png, codes_presenter.code_card(held.current, held.name, context.zone, context.code_settings)
        )
        for _, held in codes
    ]
    with context.i18n.context(), context.i18n.use_locale(locale):
        reply: dict[str, Any] = {"language": locale, "server_time": now.isoformat(), "texts": page_texts()}
        reply["holders"] = [
            presenter.holder(held.current, held.name, png, locale, now, context.zone, context.code_settings, key)
            for (key, held), png in zip(codes, pictures, strict=True)
        ]
        if not codes:
            reply["message"] = presenter.no_code_message()
    return answer(reply)


async def verify(request: web.Request, person: WebAppPerson, body: dict[str, Any]) -> web.Response:
    context = request.app[CONTEXT]
    scanned = body.get("code")
    if not isinstance(scanned, str) or len(scanned) > MAX_CODE:
        return answer(INVALID, 400)
    now = context.clock()
    async with context.sessions() as session:
        result, day = await verification.verify_counting(
            session,
            person.user_id,
            context.admin_ids,
            start_payload_token(scanned),
            now,
            context.zone,
            context.code_settings.keys,
            context.throttle,
        )
        if context.metrics is not None:
            context.metrics.verified(verification.outcome_label(result))
    if isinstance(result, NotStaff):
        return answer(FORBIDDEN, 403)
    locale = day.language or locale_for_telegram_language(person.language_code)
    with context.i18n.context(), context.i18n.use_locale(locale):
        if isinstance(result, Throttled):
            return answer(presenter.throttled(result), 429)
        check = sign_check(context.check_key, result.verification_id) if result.valid else None
        return answer(presenter.verdict(result, locale, context.zone, check, day.checked_today))


async def checkpoint(request: web.Request, person: WebAppPerson, body: dict[str, Any]) -> web.Response:
    context = request.app[CONTEXT]
    verification_id = read_check(context.check_key, body.get("check"))
    reading = body.get("reading")
    if verification_id is None or reading not in ("fever", "normal"):
        return answer(INVALID, 400)
    async with context.sessions() as session:
        result = await verification.record_temperature(
            session,
            person.user_id,
            context.admin_ids,
            verification_id,
            reading == "fever",
            context.clock(),
            context.zone,
        )
        if result.outcome is Recorded.NOT_ALLOWED:
            return answer(FORBIDDEN, 403)
        if result.outcome in (Recorded.NOT_YOURS, Recorded.UNAVAILABLE):
            return answer(INVALID, 400)
        if should_tell(result):
            await tell_holder(session, context.i18n, result, context.clock)
        account = await account_of(session, context.accounts, person.user_id)
    locale = account.language if account is not None else locale_for_telegram_language(person.language_code)
    with context.i18n.context(), context.i18n.use_locale(locale):
        return answer(presenter.recorded(result))


def _page(name: str) -> Callable[[web.Request], Awaitable[web.FileResponse]]:
    async def page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / name)

    return page


def _is_ours(request: web.Request) -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    """On every /app answer, errors included; other routes of a shared server (the webhook) are left alone."""
    if not _is_ours(request):
        return
    response.headers.update(request.app[CONTEXT].headers)
    if request.path.startswith(PREFIX + "/api/"):
        response.headers["Cache-Control"] = "no-store"


def add_routes(app: web.Application, context: WebAppContext) -> None:
    app[CONTEXT] = context
    app.router.add_get(PREFIX, _page("code.html"))
    app.router.add_get(PREFIX + "/scan", _page("scan.html"))
    app.router.add_static(PREFIX + "/static", STATIC_DIR, show_index=False, follow_symlinks=False)
    app.router.add_post(PREFIX + "/api/code", _api(code))
    app.router.add_post(PREFIX + "/api/verify", _api(verify))
    app.router.add_post(PREFIX + "/api/checkpoint", _api(checkpoint))
    app.on_response_prepare.append(_headers)


def create_app(context: WebAppContext) -> web.Application:
    """The Mini App alone (polling mode, tests, the benchmark)."""
    app = web.Application(client_max_size=MAX_BODY)
    add_routes(app, context)
    return app


async def serve_alone(context: WebAppContext, host: str, port: int) -> web.AppRunner:
    """Polling mode: a server of its own on WEBAPP_HOST:WEBAPP_PORT (no webhook server to share)."""
    runner = web.AppRunner(create_app(context), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    logger.info("mini app on http://%s:%s%s", host, port, PREFIX)
    return runner
