"""The webhook endpoint: aiogram's request handler, with a malformed body refused instead of a 500.

aiogram parses the body and validates it as an Update inside the handler; either failure raised, so aiohttp
answered 500 and logged the exception, and pydantic's message carries `input_value=` (the body: names, ID
numbers, health answers). Telegram retries a 5xx for hours. Here the body is read first:

- not JSON, or JSON that is not an object with an integer `update_id`: 400. That is not an update at all
  (it passed the secret, so most likely a broken client or a test), and there is nothing to retry.
- an object with an `update_id` this aiogram cannot read as an Update: 200, and the update is dropped.
  It came from Telegram (it knew the secret); a retry would fail the same way and hold back the updates
  behind it, so the answer that stops the retries is the right one.

Only the error's type and the update id are logged, never the body.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateRequestHandler(SimpleRequestHandler):
    """Handles each update within its request: Telegram hears 200 only once an update is done, so an update
    in flight when the process stops is delivered again rather than lost."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, *, secret_token: str, **data: Any) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret_token, **data)

    async def handle(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), bot):
            return web.Response(body="Unauthorized", status=401)
        update = await read_update(request, bot)
        if isinstance(update, web.Response):
            return update
        result: TelegramMethod[Any] | None = await self.dispatcher.feed_webhook_update(bot, update, **self.data)
        return web.Response(body=self._build_response_writer(bot=bot, result=result))


async def read_update(request: web.Request, bot: Bot) -> Update | web.Response:
    """The request's Update, or the answer to give when its body is not one (see the module's text)."""
    try:
        body = bot.session.json_loads(await request.text())
    except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError; nesting too deep
        logger.warning("webhook: a body that is not JSON (%s): answered 400", type(error).__name__)
        return web.Response(status=400, text="Bad Request")
    update_id = body.get("update_id") if isinstance(body, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        logger.warning("webhook: JSON without an update id (%s): answered 400", type(body).__name__)
        return web.Response(status=400, text="Bad Request")
    try:
        return Update.model_validate(body, context={"bot": bot})
    except ValidationError as error:
        kinds = sorted({detail["type"] for detail in error.errors(include_url=False, include_input=False)})
        logger.warning(
            "webhook: update %s is not an update this bot can read (ValidationError: %s): dropped",
            update_id,
            ", ".join(kinds),
        )
        return web.json_response({})
