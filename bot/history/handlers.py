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
from bot.family import presenter as family_presenter
from bot.family.keyboards import MemberHistory, history_keyboard
from bot.history import presenter
from bot.history.keyboards import HistoryCallback, MemberHistoryPage, page_keyboard
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
    members = await histories.members(account.id) if account is not None else []
    if members:
        await message.answer(family_presenter.choose_history(), reply_markup=history_keyboard(members))


async def member_history(
    query: CallbackQuery, callback_data: MemberHistory, account: Account | None, locale: str, histories: HistoryService
) -> None:
    """The newest page of a member's history, found only among the presser's own members: a forged or
    someone else's id gets the answer of a stale button and learns nothing."""
    member = await histories.member(account.id, callback_data.member) if account is not None else None
    if member is None or not isinstance(query.message, Message):
        await query.answer(_("That button belongs to an earlier message."))
        return
    await query.answer()
    history = await histories.of(member.id)
    if not history.entries:  # a member always has a declaration; kept for a row half-purged by retention
        await query.message.answer(presenter.no_history_text())
        return
    page = history.page(0)
    text = presenter.page_text(page, locale, histories.zone, family_presenter.history_heading(member))
    await query.message.answer(text, reply_markup=page_keyboard(page, member.id))


async def turn_page(
    query: CallbackQuery,
    callback_data: HistoryCallback | MemberHistoryPage,
    account: Account | None,
    locale: str,
    histories: HistoryService,
) -> None:
    """Edit the message into another page of the presser's own history, or of one of their members'
    (looked up among the presser's own family only)."""
    message = query.message
    member = None
    holder = account.id if account is not None else None
    if account is not None and isinstance(callback_data, MemberHistoryPage):
        member = await histories.member(account.id, callback_data.member)
        holder = member.id if member is not None else None
    history = await histories.of(holder) if holder is not None else None
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
        heading = family_presenter.history_heading(member) if member is not None else None
        await message.edit_text(
            presenter.page_text(page, locale, histories.zone, heading),
            reply_markup=page_keyboard(page, member.id if member is not None else None),
        )
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
    router.callback_query.register(turn_page, MemberHistoryPage.filter())
    router.callback_query.register(member_history, MemberHistory.filter())
    return router
