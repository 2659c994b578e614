"""The buttons of /override. A press is checked again on the server: the administrator, and that the button
belongs to the override being prepared (its draft), so an old or forged button changes nothing."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.status import ADMIN_CATEGORIES
from bot.overrides import presenter

CANCEL = "cancel"


class OverrideChoice(CallbackData, prefix="ovr"):
    """What the health authority decided (an OverrideCategory value, or "cancel") for the draft `draft`.

    `category` is a plain string, checked when pressed, so a forged one is answered, not silently dropped.
    """

    draft: str
    category: str


def category_keyboard(draft: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for category in ADMIN_CATEGORIES:
        builder.button(
            text=presenter.category_button(category), callback_data=OverrideChoice(draft=draft, category=category)
        )
    builder.button(text=presenter.cancel_button(), callback_data=OverrideChoice(draft=draft, category=CANCEL))
    builder.adjust(1)
    return builder.as_markup()
