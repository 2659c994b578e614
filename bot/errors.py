"""The last resort: an unexpected error gets a translated apology and a log line without personal data."""

from __future__ import annotations

import logging
import traceback
from contextlib import suppress

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

logger = logging.getLogger(__name__)


async def apologise(event: ErrorEvent, bot: Bot) -> None:
    update = event.update
    # Only the exception's type and the frames (file, line, code) are logged: an exception's message
    # can carry what the user typed, and a log is no place for personal data.
    frames = "".join(traceback.format_tb(event.exception.__traceback__))
    logger.error("update %s failed: %s\n%s", update.update_id, type(event.exception).__qualname__, frames)
    if update.callback_query is not None:
        # Otherwise the pressed button keeps spinning on the user's screen.
        with suppress(TelegramAPIError):
            await bot.answer_callback_query(update.callback_query.id)
    chat_id = _chat_id(event)
    if chat_id is None:
        return
    try:
        await bot.send_message(chat_id, _("Sorry, something went wrong on our side. Please try again in a minute."))
    except Exception:  # the apology is best effort; the error is already logged
        logger.warning("update %s: could not send the apology", update.update_id)


def _chat_id(event: ErrorEvent) -> int | None:
    update = event.update
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.message.chat.id
    return None
