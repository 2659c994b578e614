"""The button under a code: the reasons are one press away, so the caption leaves room for the QR."""

from __future__ import annotations

import functools

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder


class WhyColour(CallbackData, prefix="why"):
    """Carries nothing: the presser's own status is answered, whoever's code the button was under."""


def why_keyboard() -> InlineKeyboardMarkup:
    return _why_keyboard(get_i18n().current_locale)


@functools.cache
def _why_keyboard(locale: str) -> InlineKeyboardMarkup:
    # One per language, as the main menu: built anew it was 7 % of a warm /code (docs/scaling.md).
    # `locale` is the cache key; the label is read in that same locale, which is the current one.
    builder = InlineKeyboardBuilder()
    builder.button(text="❓ " + _("Why this colour?"), callback_data=WhyColour())
    return builder.as_markup()
