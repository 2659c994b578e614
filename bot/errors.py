"""The last resort: an unexpected error gets a translated apology and a log line without personal data."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

logger = logging.getLogger(__name__)


async def apologise(event: ErrorEvent, bot: Bot) -> None:
    update = event.update
    # The traceback names code, not people: SQLAlchemy hides statement parameters (hide_parameters=True)
    # and no message text is logged.
    logger.error("update %s failed: %s", update.update_id, type(event.exception).__name__, exc_info=event.exception)
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
