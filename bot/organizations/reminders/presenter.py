"""The words of /remind and /schedule."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.broadcast.service import Audience
from bot.organizations.presenter import organization_name, reminder_time
from bot.organizations.reminders.service import Schedule
from bot.organizations.service import MAX_REMINDER_LENGTH, OrganizationSummary

# --- Reminders ---------------------------------------------------------------------------------------


def audience_button(audience: Audience) -> str:
    return {
        Audience.NOT_CHECKED_IN: _("Not checked in today"),
        Audience.EVERYONE: _("Everyone"),
        Audience.NOT_GREEN: _("Not green"),
    }[audience]


def audience_phrase(audience: Audience) -> str:
    return {
        Audience.NOT_CHECKED_IN: _("members who have not checked in today"),
        Audience.EVERYONE: _("every member"),
        Audience.NOT_GREEN: _("members who are not green"),
    }[audience]


def choose_audience(organization: OrganizationSummary, locale: str) -> str:
    return _("A reminder to members of <b>{organization}</b>. Who should get it?").format(
        organization=organization_name(organization, locale)
    )


def reminder_preview(
    organization: OrganizationSummary, locale: str, audience: Audience, count: int, english: str, chinese: str
) -> str:
    return "\n".join(
        [
            _("<b>{organization}</b>: a reminder to {audience} ({count} now).").format(
                organization=organization_name(organization, locale), audience=audience_phrase(audience), count=count
            ),
            _("Each person gets it in their language:"),
            "",
            "<b>English</b>",
            english,
            "",
            "<b>中文</b>",
            chinese,
        ]
    )


def send_button() -> str:
    return _("Send this")


def write_own_button() -> str:
    return _("Write my own text")


def write_own_prompt() -> str:
    return _(
        "Send the text of the reminder in one message, at most {limit} characters. "
        "It goes out exactly as written, in every language. /cancel stops."
    ).format(limit=MAX_REMINDER_LENGTH)


def text_too_long(length: int) -> str:
    return _("That is {length} characters; at most {limit} fit. Please send a shorter text.").format(
        length=length, limit=MAX_REMINDER_LENGTH
    )


def text_needed() -> str:
    return _("Please send the reminder as a text message, or /cancel.")


def nobody_to_remind(audience: Audience) -> str:
    return {
        Audience.NOT_CHECKED_IN: _("Nobody to remind: every member has checked in today. Nothing was sent."),
        Audience.EVERYONE: _("Nobody to remind: the organization has no members yet. Nothing was sent."),
        Audience.NOT_GREEN: _("Nobody to remind: every member is green. Nothing was sent."),
    }[audience]


def sending(count: int) -> str:
    return _("Sending the reminder to {count} people…").format(count=count)


def reminder_cancelled() -> str:
    return _("Cancelled. Nothing was sent.")


# --- The daily reminder -------------------------------------------------------------------------------


def schedule_text(organization: OrganizationSummary, locale: str) -> str:
    name = organization_name(organization, locale)
    if organization.reminder_at is None:
        state = _("The daily reminder of <b>{organization}</b> is off.").format(organization=name)
    else:
        state = _("Members of <b>{organization}</b> who have not checked in are reminded every day at {time}.").format(
            organization=name, time=reminder_time(organization.reminder_at)
        )
    return state + "\n" + schedule_usage()


def schedule_usage() -> str:
    return _(
        "<code>/schedule 08:30</code>: remind those who have not checked in by then, every day at that local time\n"
        "<code>/schedule off</code>: no daily reminder"
    )


def not_a_time(text: str) -> str:
    return _("“{text}” is not a time of day.").format(text=escape(text)) + "\n" + schedule_usage()


def schedule_set(schedule: Schedule, locale: str) -> str:
    name = organization_name(schedule.organization, locale)
    if schedule.at is None:
        return _("Done: the daily reminder of <b>{organization}</b> is off.").format(organization=name)
    text = _("Done: members of <b>{organization}</b> who have not checked in are reminded every day at {time}.").format(
        organization=name, time=reminder_time(schedule.at)
    )
    if schedule.starts_tomorrow:
        text += " " + _("That time has passed today: the first reminder is tomorrow.")
    return text
