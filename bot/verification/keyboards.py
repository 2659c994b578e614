from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, WebAppInfo
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import ButtonNumber


class TemperatureCallback(CallbackData, prefix="ckpt"):
    """A temperature for one verification row. Proves nothing: the press is checked against the row and
    the presser's role on the server."""

    verification: ButtonNumber
    fever: bool


def temperature_keyboard(verification_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text="🌡 " + _("Normal"), callback_data=TemperatureCallback(verification=verification_id, fever=False)
    )
    builder.button(
        text="🤒 " + _("Fever (37.3 °C or more)"),
        callback_data=TemperatureCallback(verification=verification_id, fever=True),
    )
    builder.adjust(1)
    return builder.as_markup()


def correction_keyboard(verification_id: int, fever: bool) -> InlineKeyboardMarkup:
    """Under a recorded reading: the other reading, for a press on the wrong button. The server refuses it
    after the correction window, to anyone but the staff member who checked the code."""
    builder = InlineKeyboardBuilder()
    text = "↩ " + (_("Undo: change to normal") if fever else _("Undo: change to fever (37.3 °C or more)"))
    builder.button(text=text, callback_data=TemperatureCallback(verification=verification_id, fever=not fever))
    return builder.as_markup()


def scanner_keyboard(webapp_url: str, rows: list[list[KeyboardButton]]) -> ReplyKeyboardMarkup:
    """The Mini App's checkpoint scanner above the usual `rows`: for staff only (the caller checks the role)."""
    scan = KeyboardButton(text="📷 " + _("Scan codes"), web_app=WebAppInfo(url=webapp_url + "/scan"))
    return ReplyKeyboardMarkup(keyboard=[[scan], *rows], resize_keyboard=True, is_persistent=True)
