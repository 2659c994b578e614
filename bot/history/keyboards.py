from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ButtonNumber, MemberNumber
from bot.history.entries import Page


class HistoryCallback(CallbackData, prefix="hist"):
    """A page of the presser's own history; no user id: the handler always reads the sender's account.

    `stamp` names the history the message was made from (entries.stamp_of), so a button of a message
    that no longer matches what is stored is recognised as an earlier message's.
    """

    page: ButtonNumber
    stamp: ButtonNumber


class MemberHistoryPage(CallbackData, prefix="famhistp"):
    """A page of a family member's history; `member` is looked up among the presser's own family on press."""

    member: MemberNumber
    page: ButtonNumber
    stamp: ButtonNumber


def _page_data(page: int, stamp: int, member: int | None) -> str:
    if member is None:
        return HistoryCallback(page=page, stamp=stamp).pack()
    return MemberHistoryPage(member=member, page=page, stamp=stamp).pack()


def page_keyboard(page: Page, member: int | None = None) -> InlineKeyboardMarkup | None:
    """◀ Newer / Older ▶ (of a family `member`'s history when given); None when everything fits on one page."""
    row = []
    if page.has_newer:
        data = _page_data(page.number - 1, page.stamp, member)
        row.append(InlineKeyboardButton(text="◀ " + _("Newer"), callback_data=data))
    if page.has_older:
        data = _page_data(page.number + 1, page.stamp, member)
        row.append(InlineKeyboardButton(text=_("Older") + " ▶", callback_data=data))
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None
