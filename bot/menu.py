"""The main reply keyboard, and the words that mean its buttons in both languages."""

from __future__ import annotations

import functools

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import lazy_gettext as __

SHOW_CODE = __("Show my code")
CHECK_IN = __("Check in")
UPDATE_DECLARATION = __("Update my declaration")
HELP = __("Help")
FAMILY = __("My family")


def main_menu() -> ReplyKeyboardMarkup:
    return _main_menu(get_i18n().current_locale)


@functools.cache
def _main_menu(locale: str) -> ReplyKeyboardMarkup:
    # One per language, built on first use: it is sent with every code. `locale` is the cache key;
    # the labels are read in that same locale, which is the current one.
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=f"🔳 {SHOW_CODE}"), KeyboardButton(text=f"✅ {CHECK_IN}")],
            [KeyboardButton(text=f"📝 {UPDATE_DECLARATION}"), KeyboardButton(text=f"❓ {HELP}")],
            [KeyboardButton(text=f"👪 {FAMILY}")],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )
