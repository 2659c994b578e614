"""The buttons under a code: the reasons are one press away, so the caption leaves room for the QR; and, with a
Mini App, the live code (which a screenshot cannot fake) one press away too."""

from __future__ import annotations

import functools

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, MenuButtonWebApp, WebAppInfo
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder


class WhyColour(CallbackData, prefix="why"):
    """Carries nothing: the presser's own status is answered, whoever's code the button was under."""


def why_keyboard(webapp_url: str | None = None) -> InlineKeyboardMarkup:
    return _why_keyboard(get_i18n().current_locale, webapp_url)


@functools.cache
def _why_keyboard(locale: str, webapp_url: str | None) -> InlineKeyboardMarkup:
    # One per language (and the deployment's one Mini App address), as the main menu: built anew it was
    # 7 % of a warm /code (docs/scaling.md). `locale` is the cache key; the labels are read in that same
    # locale, which is the current one.
    builder = InlineKeyboardBuilder()
    builder.button(text="❓ " + _("Why this colour?"), callback_data=WhyColour())
    if webapp_url is not None:
        builder.button(text="📱 " + _("Open live code"), web_app=WebAppInfo(url=webapp_url))
        builder.adjust(1)
    return builder.as_markup()


def live_code_menu_button(webapp_url: str) -> MenuButtonWebApp:
    """The chat's menu button: the live code from anywhere in the chat."""
    return MenuButtonWebApp(text=_("My code"), web_app=WebAppInfo(url=webapp_url))
