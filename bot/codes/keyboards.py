"""The button under a code: the reasons are one press away, so the caption leaves room for the QR."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder


class WhyColour(CallbackData, prefix="why"):
    """Carries nothing: the presser's own status is answered, whoever's code the button was under."""


def why_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="❓ " + _("Why this colour?"), callback_data=WhyColour())
    return builder.as_markup()
