"""/history: the person's declarations, check-ins and colour changes, newest first, a page at a time."""

from __future__ import annotations

from contextlib import suppress
from datetime import tzinfo

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.clock import Clock
from bot.history import presenter, service
from bot.history.keyboards import HistoryCallback, page_keyboard
from bot.messages import drop_buttons


async def show_history(
    message: Message, session: AsyncSession, account: Account | None, locale: str, clock: Clock, zone: tzinfo
) -> None:
    """The newest page. A plain function, so a menu button can call it as well as the command."""
    history = await service.load_history(session, account.id, clock(), zone) if account is not None else None
    if history is None or not history.entries:
        await message.answer(presenter.no_history_text())
        return
    page = history.page(0)
    await message.answer(presenter.page_text(page, locale, zone), reply_markup=page_keyboard(page))


async def turn_page(
    query: CallbackQuery,
    callback_data: HistoryCallback,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
) -> None:
    """Edit the message into another page of the presser's own history (the button names no one)."""
    message = query.message
    history = await service.load_history(session, account.id, clock(), zone) if account is not None else None
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
        await message.edit_text(presenter.page_text(page, locale, zone), reply_markup=page_keyboard(page))
    await query.answer()


def create_router() -> Router:
    router = Router(name="history")
    router.message.register(show_history, Command("history"))
    router.callback_query.register(turn_page, HistoryCallback.filter())
    return router
