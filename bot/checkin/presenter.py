"""The words of a check-in."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _

from bot.checkin.service import CheckInResult
from bot.i18n import format_day
from bot.status.presenter import colour_line


def title(member_name: str | None = None) -> str:
    """The check-in's heading; `member_name` when it is for a family member."""
    if member_name is None:
        return _("<b>Daily check-in</b>")
    return _("<b>Daily check-in for {name}</b>").format(name=escape(member_name))


def question_text(already_today: bool, member_name: str | None = None) -> str:
    if member_name is None:
        question = _(
            "Has anything changed since your last report: a new close contact, travel, "
            "or a diagnosis or medical observation?"
        )
        already = _("You have already checked in today; a new check-in replaces it.")
    else:
        question = _(
            "Has anything changed for {name} since their last report: a new close contact, travel, "
            "or a diagnosis or medical observation?"
        ).format(name=escape(member_name))
        already = _("{name} is already checked in today; a new check-in replaces it.").format(name=escape(member_name))
    lines = [title(member_name), question]
    if already_today:
        lines += ["", already]
    return "\n".join(lines)


def family_summary_text(done: list[dict[str, Any]]) -> str:
    """The end of "Check in everyone": each person checked in and their colour now (the account first)."""
    lines = [_("<b>Family check-in done</b>")]
    for person in done:
        name = person.get("name")
        who = _("You") if name is None else escape(str(name))
        lines.append(_("{name}: {colour}").format(name=who, colour=colour_line(str(person.get("colour")))))
    lines += ["", _("Send /code for everyone's codes.")]
    return "\n".join(lines)


def members_text() -> str:
    return _("Or check in for a family member:")


def checkin_done_text(result: CheckInResult, locale: str, about_them: bool = False) -> str:
    """`about_them`: the check-in was a family member's, made by the account that manages them."""
    lines = [_("✅ Checked in for {date}.").format(date=format_day(result.day, locale))]
    if about_them:
        return "\n".join(lines + _done_about_them(result))
    if result.kept_earlier:
        lines.append(
            _(
                "This replaces your earlier check-in today, but the fever or symptoms you reported earlier today "
                "stay on today's record."
            )
        )
    elif result.replaced:
        lines.append(_("This replaces your earlier check-in today."))
    if result.declared:
        lines.append(_("Your changed answers are saved as a new declaration."))
    if result.reassessed.colour_changed:
        lines.append(_("Your colour is now: {colour}").format(colour=colour_line(result.reassessed.row.colour)))
    return "\n".join(lines)


def _done_about_them(result: CheckInResult) -> list[str]:
    lines = []
    if result.kept_earlier:
        lines.append(
            _(
                "This replaces their earlier check-in today, but the fever or symptoms reported earlier today "
                "stay on today's record."
            )
        )
    elif result.replaced:
        lines.append(_("This replaces their earlier check-in today."))
    if result.declared:
        lines.append(_("Their changed answers are saved as a new declaration."))
    if result.reassessed.colour_changed:
        lines.append(_("Their colour is now: {colour}").format(colour=colour_line(result.reassessed.row.colour)))
    return lines
