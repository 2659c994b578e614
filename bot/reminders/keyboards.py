"""The buttons of /remindme and of every reminder: check in, stop, choose a time."""

from __future__ import annotations

from datetime import time
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ButtonNumber
from bot.menu import CHECK_IN

# The times offered on the settings screen; any other is typed: /remindme 7:45.
OFFERED = (time(7, 0), time(8, 0), time(9, 0), time(12, 0), time(18, 0), time(20, 0))


class ReminderAction(StrEnum):
    CHECK_IN = "checkin"
    AT = "at"  # on, at `minute` minutes after midnight
    OFF = "off"
    DEFAULT = "default"
    OTHER = "other"  # ask for a time to be typed


class ReminderButton(CallbackData, prefix="rmd"):
    action: ReminderAction
    # Minutes after local midnight, for AT; checked below 1440 by the handler (a forged 9999 is refused).
    minute: ButtonNumber = 0


def reminder_buttons() -> InlineKeyboardMarkup:
    """Under every reminder and warning: check in at once, or stop them."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(f"✅ {CHECK_IN}", ReminderAction.CHECK_IN)],
            [_button("🔕 " + _("Stop these reminders"), ReminderAction.OFF)],
        ]
    )


def settings_buttons(show_default: bool) -> InlineKeyboardMarkup:
    times = [
        InlineKeyboardButton(
            text=at.strftime("%H:%M"),
            callback_data=ReminderButton(action=ReminderAction.AT, minute=at.hour * 60 + at.minute).pack(),
        )
        for at in OFFERED
    ]
    rows = [
        times[:3],
        times[3:],
        [_button("✏️ " + _("Another time"), ReminderAction.OTHER)],
        [_button("🔕 " + _("No reminders"), ReminderAction.OFF)],
    ]
    if show_default:
        rows.append([_button(_("Only while my code is not green"), ReminderAction.DEFAULT)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _button(text: str, action: ReminderAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=ReminderButton(action=action).pack())
