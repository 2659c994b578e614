"""The words of an override: to the administrator who set it, and to the person it concerns."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.i18n import format_day
from bot.status.presenter import colour_line


def usage_text() -> str:
    return _(
        "<b>Override a colour</b> (a health authority's decision)\n"
        "/override <i>person</i> <i>green|yellow|red</i> [until <i>2026-12-31</i>] <i>reason</i>\n"
        "/override <i>person</i> end: the usual rules apply again\n"
        "<i>person</i> is a Telegram id or the @username of someone who has used this bot."
    )


def until_text(ends_on: date | None, locale: str) -> str:
    if ends_on is None:
        return _("Until further notice.")
    return _("Until {date} (the rules apply again from that day).").format(date=format_day(ends_on, locale))


def confirmation_text(person: str, colour: str, reason: str, ends_on: date | None, locale: str) -> str:
    return "\n".join(
        [
            _("Done: {person} is now {colour}.").format(person=escape(person), colour=colour_line(colour)),
            _("Reason: {reason}").format(reason=escape(reason)),
            until_text(ends_on, locale),
            _("They have been told, and this is on record."),
        ]
    )


def ended_text(person: str, colour: str) -> str:
    return _("Done: the override of {person} has ended. Their colour under the rules: {colour}").format(
        person=escape(person), colour=colour_line(colour)
    )


def holder_text(colour: str, reason: str, ends_on: date | None, locale: str) -> str:
    return "\n".join(
        [
            _("A health authority's decision changed your health code:"),
            colour_line(colour),
            _("Reason: {reason}").format(reason=escape(reason)),
            until_text(ends_on, locale),
            _("Send /code to show it."),
        ]
    )


def holder_ended_text(colour: str) -> str:
    return "\n".join(
        [
            _("The health authority's decision on your code has ended; the usual rules apply again."),
            colour_line(colour),
            _("Send /code to show it."),
        ]
    )
