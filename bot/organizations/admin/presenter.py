"""The words of administrators' /org, /orgs and /stats, and the notice to a newly named HR member."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.i18n import format_day
from bot.organizations.admin.service import CityStats, HrChange, HrOutcome
from bot.organizations.chart import ChartLabels
from bot.organizations.presenter import (
    COLOUR_SYMBOLS,
    both_names,
    chunks,
    no_organizations,
    organization_name,
    reminder_time,
)
from bot.organizations.report.presenter import titled_chart_labels
from bot.organizations.service import REVIEWER_ROLE, OrganizationSummary
from bot.roles import presenter as roles_presenter

# --- Administrators ----------------------------------------------------------------------------------


def city_stats_text(stats: CityStats, locale: str) -> str:
    counts = stats.counts
    lines = [
        "<b>" + _("Everyone, {day}").format(day=format_day(stats.day, locale)) + "</b>",
        _("People: {count}").format(count=counts.people),
        _("Checked in today: {count}").format(count=counts.checked_in),
        "",
        f"{COLOUR_SYMBOLS['green']} " + _("Green: {count}").format(count=counts.green),
        f"{COLOUR_SYMBOLS['yellow']} " + _("Yellow: {count}").format(count=counts.yellow),
        f"{COLOUR_SYMBOLS['red']} " + _("Red: {count}").format(count=counts.red),
        f"{COLOUR_SYMBOLS[None]} " + _("No code yet: {count}").format(count=counts.no_code),
        "",
        _("Codes checked at checkpoints today: {count}").format(count=counts.verifications),
    ]
    if stats.appeals_open:
        lines.append("⚖️ " + _("Appeals against a colour under review: {count}").format(count=stats.appeals_open))
    return "\n".join(lines)


def city_chart_labels(stats: CityStats, locale: str) -> ChartLabels:
    title = _("Everyone: check-ins over the last {days} days").format(days=len(stats.days))
    return titled_chart_labels(title, stats.days, locale)


def org_usage() -> str:
    return _(
        "<b>Organizations</b>\n"
        "<code>/org new English name | 中文名</code>: create one, with its invite link\n"
        "<code>/orgs</code>: list them, with members and invite links\n"
        "<code>/org hr ORG PERSON</code>: make someone an HR member of organization ORG (its number)\n"
        "<code>/org unhr ORG PERSON</code>: remove them\n"
        "<code>/org reviewer ORG PERSON</code>, <code>/org unreviewer ORG PERSON</code>: a reviewer of the appeals "
        "of ORG's members only\n"
        "PERSON: their numeric Telegram id, or the @username of someone who has written to this bot."
    )


def names_needed() -> str:
    return _(
        "Give the name in English and in Chinese, separated by “|”: <code>/org new Ningbo University | 宁波大学</code>"
    )


def name_too_long(limit: int) -> str:
    return _("A name may have at most {limit} characters.").format(limit=limit)


def created(organization: OrganizationSummary, link: str) -> str:
    return _(
        "Organization {id} created: <b>{names}</b>\n"
        "Invite link: {link}\n"
        "Whoever opens it is asked to join. Make HR members with <code>/org hr {id} @username</code>."
    ).format(id=organization.id, names=both_names(organization), link=link)


def organizations_listing(organizations: list[OrganizationSummary], links: dict[int, str]) -> list[str]:
    """/orgs, as one message or several when it is long."""
    if not organizations:
        return [no_organizations()]
    blocks = [_("<b>Organizations</b>")]
    for organization in organizations:
        blocks.append(
            "\n".join(
                [
                    f"<b>{organization.id}.</b> {both_names(organization)}",
                    _("Members: {members}; HR members: {hr}; daily reminder: {time}").format(
                        members=organization.members,
                        hr=organization.hr_members,
                        time=reminder_time(organization.reminder_at),
                    ),
                    links[organization.id],
                ]
            )
        )
    return chunks(blocks)


def person(user_id: int, username: str | None = None, name: str | None = None) -> str:
    return roles_presenter.person(user_id, username, name)


def unknown_username(username: str) -> str:
    return _("I do not know @{username}: they must have written to this bot first, or use their numeric id.").format(
        username=escape(username)
    )


def uncertain_username(username: str) -> str:
    return _(
        "I cannot be sure who @{username} is now: the name may have passed to another account. "
        "Use their numeric Telegram id, or forward me one of their messages."
    ).format(username=escape(username))


def hr_result(change: HrChange, told: bool, locale: str) -> str:
    assert change.organization is not None
    who = person(change.user_id, change.username, change.name)
    where = f"<b>{organization_name(change.organization, locale)}</b>"
    if change.role == REVIEWER_ROLE:
        return _reviewer_result(change, told, who, where)
    if change.outcome is HrOutcome.UNCHANGED:
        if change.granted:
            return _("{person} is already an HR member of {organization}. Nothing changed.").format(
                person=who, organization=where
            )
        return _("{person} is not an HR member of {organization}. Nothing changed.").format(
            person=who, organization=where
        )
    if change.granted:
        text = _("Done: {person} is now an HR member of {organization}.").format(person=who, organization=where)
    else:
        text = _("Done: {person} is no longer an HR member of {organization}.").format(person=who, organization=where)
    if told:
        return text + " " + _("They will be told in a moment.")
    return text + " " + _("They could not be told: they have not started this bot, or blocked it.")


def _reviewer_result(change: HrChange, told: bool, who: str, where: str) -> str:
    if change.outcome is HrOutcome.UNCHANGED:
        if change.granted:
            return _("{person} already reviews the appeals of {organization}. Nothing changed.").format(
                person=who, organization=where
            )
        return _("{person} does not review the appeals of {organization}. Nothing changed.").format(
            person=who, organization=where
        )
    if change.granted:
        text = _("Done: {person} now reviews the appeals of {organization}'s members.").format(
            person=who, organization=where
        )
    else:
        text = _("Done: {person} no longer reviews the appeals of {organization}.").format(
            person=who, organization=where
        )
    if told:
        return text + " " + _("They will be told in a moment.")
    return text + " " + _("They could not be told: they have not started this bot, or blocked it.")


def hr_notice(change: HrChange, locale: str) -> str:
    """For the person, in their language."""
    assert change.organization is not None
    where = f"<b>{organization_name(change.organization, locale)}</b>"
    if change.role == REVIEWER_ROLE:
        if change.granted:
            return _(
                "You now review the appeals against a colour of {organization}'s members: send /appeals to see them."
            ).format(organization=where)
        return _("You no longer review the appeals of {organization}.").format(organization=where)
    if change.granted:
        return _(
            "You are now an HR member of {organization}.\n"
            "/report: today's check-ins and colours of its members\n"
            "/remind: remind them to check in\n"
            "/schedule: a daily reminder\n"
            "You see names and colours only, never anyone's answers."
        ).format(organization=where)
    return _("You are no longer an HR member of {organization}.").format(organization=where)
