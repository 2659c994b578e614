"""The words of an override: to the administrator who set it, and to the person it concerns."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.domain.status import OverrideCategory
from bot.i18n import format_day
from bot.roles.presenter import person
from bot.status.presenter import category_text, colour_line, note_text


def usage_text() -> str:
    return _(
        "<b>Override a colour</b> (a health authority's decision)\n"
        "/override <i>person</i> <i>green|yellow|red</i> [until <i>2026-12-31</i>] [<i>note</i>]\n"
        "Then choose what was decided by button; the note, if any, is shown to the person as the authority's "
        "own words.\n"
        "/override <i>person</i> end: the usual rules apply again\n"
        "<i>person</i> is a Telegram id or the @username of someone who has used this bot. For a family member "
        "without a phone of their own: the link you get by scanning their code, or their parent and their name "
        "as <i>@parent/Mia</i> (<i>Mia_Chen</i> for a name of two words)."
    )


def holder(user_id: int, name: str | None, username: str | None, manager: int | None) -> str:
    """Who is overridden, as markup: a family member by name and the account managing them (never their id)."""
    if manager is None:
        return person(user_id, username, name)
    return _("{name}, a family member of {parent}").format(name=f"<b>{escape(name or '…')}</b>", parent=person(manager))


def unknown_member(parent: str, name: str) -> str:
    return _("{parent} has no family member called {name}, or is not someone I know.").format(
        parent=escape(parent), name=escape(name)
    )


def unknown_code() -> str:
    return _("That code was not issued by this bot, or its holder has deleted their data.")


def category_button(category: OverrideCategory) -> str:
    """The administrator's choice: short words on a button."""
    words = {
        OverrideCategory.RELEASED: _("Released from observation"),
        OverrideCategory.CONFIRMED_CASE: _("Confirmed case"),
        OverrideCategory.CLOSE_CONTACT: _("Close contact"),
        OverrideCategory.QUARANTINE_ORDERED: _("Quarantine ordered"),
        OverrideCategory.OTHER: _("Other"),
    }
    return words[category]


def cancel_button() -> str:
    return _("Cancel")


def choose_category(who: str, colour: str, note: str, ends_on: date | None, locale: str) -> str:
    """`who` is already markup (bot.roles.presenter.person)."""
    lines = [
        _("Set {person} to {colour}.").format(person=who, colour=colour_line(colour)),
        until_text(ends_on, locale),
    ]
    if note:
        lines.append(note_text(note))
    lines += ["", _("What did the health authority decide? The person is told it in their language.")]
    return "\n".join(lines)


def stale_button() -> str:
    return _("That button belongs to an earlier message.")


def cancelled() -> str:
    return _("Cancelled: nothing was changed.")


def until_text(ends_on: date | None, locale: str) -> str:
    if ends_on is None:
        return _("Until further notice.")
    return _("Until {date} (the rules apply again from that day).").format(date=format_day(ends_on, locale))


def _reason_lines(category: str, note: str) -> list[str]:
    lines = [_("Reason: {reason}").format(reason=category_text(category))]
    if note:
        lines.append(note_text(note))
    return lines


def confirmation_text(
    person: str, colour: str, reason: str, ends_on: date | None, locale: str, category: str = OverrideCategory.OTHER
) -> str:
    """`person` is already markup (bot.roles.presenter.person); `reason` is the administrator's note."""
    return "\n".join(
        [
            _("Done: {person} is now {colour}.").format(person=person, colour=colour_line(colour)),
            *_reason_lines(category, reason),
            until_text(ends_on, locale),
            _("They have been told, and this is on record."),
        ]
    )


def ended_text(person: str, colour: str) -> str:
    """`person` is already markup (bot.roles.presenter.person)."""
    return _("Done: the override of {person} has ended. Their colour under the rules: {colour}").format(
        person=person, colour=colour_line(colour)
    )


def holder_text(
    colour: str, reason: str, ends_on: date | None, locale: str, category: str = OverrideCategory.OTHER
) -> str:
    """The category in the reader's language; the note (`reason`) as the authority wrote it."""
    return "\n".join(
        [
            _("A health authority's decision changed your health code:"),
            colour_line(colour),
            *_reason_lines(category, reason),
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
