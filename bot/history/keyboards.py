from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ButtonNumber
from bot.history.entries import Page


class HistoryCallback(CallbackData, prefix="hist"):
    """A page of the presser's own history; no user id: the handler always reads the sender's account.

    `stamp` names the history the message was made from (entries.stamp_of), so a button of a message
    that no longer matches what is stored is recognised as an earlier message's.
    """

    page: ButtonNumber
    stamp: ButtonNumber


def page_keyboard(page: Page) -> InlineKeyboardMarkup | None:
    """◀ Newer / Older ▶; None when everything fits on one page."""
    row = []
    if page.has_newer:
        data = HistoryCallback(page=page.number - 1, stamp=page.stamp)
        row.append(InlineKeyboardButton(text="◀ " + _("Newer"), callback_data=data.pack()))
    if page.has_older:
        data = HistoryCallback(page=page.number + 1, stamp=page.stamp)
        row.append(InlineKeyboardButton(text=_("Older") + " ▶", callback_data=data.pack()))
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None
