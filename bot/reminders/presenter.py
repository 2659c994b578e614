"""The words of /remindme and of the reminders themselves, in the reader's language."""

from __future__ import annotations

from datetime import time
from html import escape
from typing import Any

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.db.repositories.reminders import RemindChoice, ReminderSetting
from bot.reminders.keyboards import reminder_buttons
from bot.reminders.service import REMINDER, Compose


def clock(at: time) -> str:
    return at.strftime("%H:%M")


def reminder_text() -> str:
    return _(
        "⏰ <b>Time for your daily check-in.</b>\n"
        "You have not checked in today. Press the button below, or send /checkin."
    )


def composer(i18n: I18n) -> Compose:
    """What the reminder job stores for each person: the reminder or the warning in their language, and the
    buttons under it, as JSON for the outbox (the job runs outside any update, so the locale is set here)."""

    def compose(language: str, kind: str) -> tuple[str, dict[str, Any]]:
        with i18n.context(), i18n.use_locale(language):
            text = reminder_text() if kind == REMINDER else warning_text()
            buttons = reminder_buttons().model_dump(mode="json", exclude_none=True)
        return text, buttons

    return compose


def warning_text() -> str:
    return _(
        "⚠️ <b>You have not checked in today.</b>\n"
        "If you do not check in before midnight, your count of days toward a green code starts again."
    )


def setting_line(setting: ReminderSetting, default_at: time) -> str:
    """The person's reminder as it stands, in one sentence (also in /mydata)."""
    if setting.choice is RemindChoice.OFF:
        return _("Off: no daily reminder and no evening warning.")
    if setting.choice is RemindChoice.ON and setting.at is not None:
        return _("Every day at {time}, until you check in.").format(time=clock(setting.at))
    return _("At {time} on the days your code is not green, until you check in (not chosen yet).").format(
        time=clock(default_at)
    )


def stored_choice(choice: str | None, at: time | None) -> str:
    """The choice as stored on their row, for /mydata (which does not know the bot's default time)."""
    if choice == RemindChoice.OFF:
        return _("off")
    if choice == RemindChoice.ON and at is not None:
        return _("every day at {time}").format(time=clock(at))
    return _("not chosen (reminded at the default time while not green)")


def settings_text(setting: ReminderSetting, default_at: time, warning_at: time) -> str:
    lines = [_("<b>Daily check-in reminder</b>"), setting_line(setting, default_at)]
    if setting.choice is not RemindChoice.OFF:
        lines.append(
            _(
                "If you are counting days toward a green code, you are also warned at {time} when you have not "
                "checked in yet."
            ).format(time=clock(warning_at))
        )
    return "\n".join([*lines, "", usage()])


def usage() -> str:
    return _(
        "Choose a time below, or send it: <code>/remindme 8:30</code>, <code>/remindme 20:00</code>. "
        "<code>/remindme off</code> stops the reminders."
    )


def chosen(setting: ReminderSetting, default_at: time) -> str:
    return _("Done.") + " " + setting_line(setting, default_at)


def stopped() -> str:
    return _("Done: no more reminders. To turn them on again, send /remindme.")


def not_a_time(text: str) -> str:
    return _("“{text}” is not a time of day.").format(text=escape(text)) + "\n" + usage()


def ask_time() -> str:
    return _("Send the time of day for your reminder, such as 8:30, 20:00 or 8:30pm. /cancel keeps it as it is.")


def still_not_a_time() -> str:
    return _("Please send a time of day, such as 8:30 or 20:00, or /cancel.")


def kept() -> str:
    return _("Cancelled. Your reminder is unchanged.")


def not_registered() -> str:
    return _("You have no code yet. Send /start to answer the health questions.")
