"""/history: the person's declarations, check-ins and colour changes, newest first, a page at a time."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.accounts import Account
from bot.history import presenter
from bot.history.keyboards import HistoryCallback, page_keyboard
from bot.history.service import HistoryService
from bot.messages import drop_buttons
from bot.middlewares import Provide


async def show_history(message: Message, account: Account | None, locale: str, histories: HistoryService) -> None:
    """The newest page. A plain function, so a menu button can call it as well as the command."""
    history = await histories.of(account.id) if account is not None else None
    if history is None or not history.entries:
        await message.answer(presenter.no_history_text())
        return
    page = history.page(0)
    await message.answer(presenter.page_text(page, locale, histories.zone), reply_markup=page_keyboard(page))


async def turn_page(
    query: CallbackQuery,
    callback_data: HistoryCallback,
    account: Account | None,
    locale: str,
    histories: HistoryService,
) -> None:
    """Edit the message into another page of the presser's own history (the button names no one)."""
    message = query.message
    history = await histories.of(account.id) if account is not None else None
    if (
        history is None
        or not history.entries
        or not isinstance(message, Message)
        or callback_data.stamp != history.stamp
    ):
        # The history changed since this message (or is gone): its pages no longer mean what they said.
        await query.answer(_("That button belongs to an earlier message."))
        if message is not None:
            await drop_buttons(message)
        return
    page = history.page(callback_data.page)  # clamped: a forged number shows a real page
    # "Not modified" (the same page again, e.g. a double tap) is fine as it is.
    with suppress(TelegramBadRequest):
        await message.edit_text(presenter.page_text(page, locale, histories.zone), reply_markup=page_keyboard(page))
    await query.answer()


def _histories(data: dict[str, Any]) -> HistoryService:
    return HistoryService(data["session"], data["clock"], data["zone"])


def create_router() -> Router:
    router = Router(name="history")
    provide = Provide(histories=_histories)
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    router.message.register(show_history, Command("history"))
    router.callback_query.register(turn_page, HistoryCallback.filter())
    return router
