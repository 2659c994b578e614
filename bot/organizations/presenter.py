"""The words every part of organizations shares: names, colours, refusals, and splitting long listings.
Each seam's own words are in its folder (admin, invites, report, reminders).

Plain functions: no Telegram, no database. Texts are in the current gettext locale; everything that
came from a person (organization names, member names, what HR typed) is HTML-escaped here.
"""

from __future__ import annotations

from datetime import time
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.organizations.service import OrganizationSummary

COLOUR_SYMBOLS = {"green": "🟢", "yellow": "🟡", "red": "🔴", None: "⚪"}
UNREACHABLE = "⛔"
# Telegram's limit is 4,096 characters a message; the listing of organizations is split below it.
MESSAGE_LIMIT = 3500


def plain_name(organization: OrganizationSummary, locale: str) -> str:
    """The name in the reader's language, as typed (for buttons, which are not HTML)."""
    return organization.name_zh if locale == "zh" else organization.name_en


def organization_name(organization: OrganizationSummary, locale: str) -> str:
    """The name in the reader's language, escaped."""
    return escape(plain_name(organization, locale))


def both_names(organization: OrganizationSummary) -> str:
    if organization.name_en == organization.name_zh:
        return escape(organization.name_en)
    return f"{escape(organization.name_en)} / {escape(organization.name_zh)}"


def colour_word(colour: str | None) -> str:
    if colour is None:
        return _("no code yet")
    words = {"green": _("green"), "yellow": _("yellow"), "red": _("red")}
    return words.get(colour) or escape(colour)


def colour_label(colour: str | None) -> str:
    return f"{COLOUR_SYMBOLS.get(colour, '⚪')} {colour_word(colour)}"


def reminder_time(at: time | None) -> str:
    return at.strftime("%H:%M") if at is not None else _("off")


# --- Refusals --------------------------------------------------------------------------------------


def only_admins() -> str:
    """The same words whatever was asked, so a refusal reveals nothing."""
    return _("Only administrators can do that.")


def only_hr() -> str:
    """For a stranger and for an HR member of another organization alike: it reveals nothing."""
    return _("Only the HR members of an organization can do that.")


def stale_button() -> str:
    return _("That button belongs to an earlier message.")


def no_such_organization(organization_id: int | str) -> str:
    return _("There is no organization {id}. /orgs lists them.").format(id=escape(str(organization_id)))


def no_organizations() -> str:
    return _("There are no organizations yet. Create one with <code>/org new English name | 中文名</code>.")


def choose_organization() -> str:
    return _("Which organization?")


def chunks(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Blocks joined by blank lines into messages of at most `limit` characters, never splitting a block."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if current and len(candidate) > limit:
            messages.append(current)
            current = block
        else:
            current = candidate
    if current:
        messages.append(current)
    return messages


def questions_follow() -> str:
    """As onboarding says it after "I agree"."""
    return _("Thank you. A few questions follow, one at a time; Back and Cancel are under each.")
