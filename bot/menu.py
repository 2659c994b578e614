"""The main reply keyboard, and the words that mean its buttons in both languages."""

from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.i18n import lazy_gettext as __

SHOW_CODE = __("Show my code")
UPDATE_DECLARATION = __("Update my declaration")
HELP = __("Help")


def main_menu() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=f"🔳 {SHOW_CODE}")],
            [KeyboardButton(text=f"📝 {UPDATE_DECLARATION}"), KeyboardButton(text=f"❓ {HELP}")],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )
