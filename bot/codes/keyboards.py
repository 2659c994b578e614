"""The buttons under a code: the reasons are one press away, so the caption leaves room for the QR; and, with a
Mini App, the live code (which a screenshot cannot fake) one press away too."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, MenuButtonWebApp, WebAppInfo
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder


class WhyColour(CallbackData, prefix="why"):
    """Carries nothing: the presser's own status is answered, whoever's code the button was under."""


def why_keyboard(webapp_url: str | None = None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="❓ " + _("Why this colour?"), callback_data=WhyColour())
    if webapp_url is not None:
        builder.button(text="📱 " + _("Open live code"), web_app=WebAppInfo(url=webapp_url))
        builder.adjust(1)
    return builder.as_markup()


def live_code_menu_button(webapp_url: str) -> MenuButtonWebApp:
    """The chat's menu button: the live code from anywhere in the chat."""
    return MenuButtonWebApp(text=_("My code"), web_app=WebAppInfo(url=webapp_url))
