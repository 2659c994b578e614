"""The words of organizations: administrators' commands, invites, the HR view, reminders and the schedule.

Plain functions: no Telegram, no database. Texts are in the current gettext locale; everything that
came from a person (organization names, member names, what HR typed) is HTML-escaped here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.broadcast.service import Audience
from bot.i18n import format_day, format_short_day
from bot.onboarding.texts import in_both_languages
from bot.organizations.chart import ChartLabels
from bot.organizations.service import (
    MAX_REMINDER_LENGTH,
    REVIEWER_ROLE,
    CityStats,
    HrChange,
    HrOutcome,
    Invitation,
    Joined,
    JoinOutcome,
    ListKind,
    Member,
    MemberPage,
    OrganizationSummary,
    Report,
    ReportHistory,
    Schedule,
)
from bot.roles import presenter as roles_presenter

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


# --- Invites ----------------------------------------------------------------------------------------


def unknown_invite() -> str:
    return _(
        "This invite link is not valid: it may be mistyped or out of date. "
        "Ask your organization's HR office for its current link."
    )


def what_hr_sees() -> str:
    return _("Its HR office will see your name, your colour and whether you checked in each day; never your answers.")


def welcome_invited(organization: OrganizationSummary, locale: str) -> str:
    return in_both_languages(
        _(
            "Welcome to the Health Code bot. You were invited to join <b>{organization}</b>. Choose your language:"
        ).format(organization=organization_name(organization, locale)),
        locale,
    )


def privacy_invite_note(organization: OrganizationSummary, locale: str) -> str:
    """Under the privacy notice of someone who came by an invite: agreeing also joins."""
    return (
        _("When you agree, you also join <b>{organization}</b>.").format(
            organization=organization_name(organization, locale)
        )
        + " "
        + what_hr_sees()
    )


def join_question(invitation: Invitation, locale: str) -> str:
    assert invitation.organization is not None
    lines = [
        _("Join <b>{organization}</b>?").format(organization=organization_name(invitation.organization, locale)),
        what_hr_sees(),
    ]
    if invitation.current is not None:
        lines.append(
            _("You belong to <b>{current}</b> now; joining leaves it (one organization at a time).").format(
                current=organization_name(invitation.current, locale)
            )
        )
    return "\n".join(lines)


def agree_button() -> str:
    return _("I agree")


def join_button() -> str:
    return _("Join")


def cancel_button() -> str:
    return _("Cancel")


def already_member(organization: OrganizationSummary, locale: str) -> str:
    return _("You are already a member of <b>{organization}</b>.").format(
        organization=organization_name(organization, locale)
    )


def join_result(joined: Joined, locale: str) -> str:
    if joined.outcome is JoinOutcome.UNKNOWN_INVITE or joined.organization is None:
        return unknown_invite()
    if joined.outcome is JoinOutcome.ALREADY_MEMBER:
        return already_member(joined.organization, locale)
    if joined.outcome is JoinOutcome.NO_ACCOUNT:
        return _("You have no account yet. Send /start, then open the invite link again.")
    text = _("You are now a member of <b>{organization}</b>.").format(
        organization=organization_name(joined.organization, locale)
    )
    if joined.left is not None:
        text += " " + _("You left <b>{organization}</b>.").format(organization=organization_name(joined.left, locale))
    return text


def join_cancelled() -> str:
    return _("Nothing changed.")


def membership_line(organization: OrganizationSummary, locale: str) -> str:
    """For /status."""
    return _("Organization: {organization}").format(organization=organization_name(organization, locale))


# --- The HR view ------------------------------------------------------------------------------------


def chart_labels(history: ReportHistory, locale: str) -> ChartLabels:
    """The chart's words; `$` escaped, which matplotlib would otherwise read as the start of a formula."""
    name = plain_name(history.organization, locale).replace("$", r"\$")
    return ChartLabels(
        title=_("{organization}: check-ins over the last {days} days").format(
            organization=name, days=len(history.days)
        ),
        people=_("People who checked in"),
        rate=_("Check-in rate (%)"),
        # Each past day's bars colour its check-ins by the colour people had when the day was counted,
        # just after it ended (service.report_history); today's by their colour now.
        colour_names={
            "green": _("Green"),
            "yellow": _("Yellow"),
            "red": _("Red"),
            None: _("No code yet"),
        },
        day_names=[format_short_day(day.day, locale) for day in history.days],
    )


def report_text(report: Report, locale: str) -> str:
    lines = [
        _("<b>{organization}</b>, {day}").format(
            organization=organization_name(report.organization, locale), day=format_day(report.day, locale)
        ),
        _("Members: {count}").format(count=report.members),
        _("Checked in today: {count}").format(count=report.checked_in),
        _("Not checked in yet: {count}").format(count=report.not_checked_in),
        "",
        _("<b>By colour</b>"),
        f"{COLOUR_SYMBOLS['green']} " + _("Green: {count}").format(count=report.green),
        f"{COLOUR_SYMBOLS['yellow']} " + _("Yellow: {count}").format(count=report.yellow),
        f"{COLOUR_SYMBOLS['red']} " + _("Red: {count}").format(count=report.red),
        f"{COLOUR_SYMBOLS[None]} " + _("No code yet: {count}").format(count=report.no_code),
    ]
    if report.unreachable:
        lines += ["", f"{UNREACHABLE} " + _("Blocked this bot: {count}").format(count=report.unreachable)]
    if report.appeals_open:
        lines += ["", "⚖️ " + _("Appeals against a colour under review: {count}").format(count=report.appeals_open)]
    return "\n".join(lines)


def list_button(kind: ListKind, count: int) -> str:
    if kind is ListKind.NOT_CHECKED_IN:
        return _("Not checked in ({count})").format(count=count)
    return _("Not green ({count})").format(count=count)


def csv_button() -> str:
    return _("CSV file")


def xlsx_button() -> str:
    return _("Excel file")


def remind_button() -> str:
    return _("Send a reminder")


def previous_button() -> str:
    return "◀ " + _("Previous")


def next_button() -> str:
    return _("Next") + " ▶"


def member_name(member: Member) -> str:
    return escape(member.name) if member.name else _("(no name yet)")


def member_line(number: int, member: Member) -> str:
    line = f"{number}. {member_name(member)}: {colour_label(member.colour)}"
    return f"{line} {UNREACHABLE}" if member.unreachable else line


def page_text(page: MemberPage, locale: str) -> str:
    name = organization_name(page.organization, locale)
    day = format_day(page.day, locale)
    if page.kind is ListKind.NOT_CHECKED_IN:
        title = _("<b>{organization}</b>: not checked in on {day}: {count}")
        empty = _("Everyone has checked in today.")
    else:
        title = _("<b>{organization}</b>: not green on {day}: {count}")
        empty = _("Everyone is green.")
    lines = [title.format(organization=name, day=day, count=page.total), ""]
    if not page.members:
        lines.append(empty)
        return "\n".join(lines)
    lines += [member_line(page.first_number + index, member) for index, member in enumerate(page.members)]
    if any(member.unreachable for member in page.members):
        lines += ["", f"{UNREACHABLE} " + _("blocked this bot: reminders do not reach them")]
    if page.pages > 1:
        lines += ["", _("Page {page} of {pages}").format(page=page.page + 1, pages=page.pages)]
    return "\n".join(lines)


def csv_headers() -> list[str]:
    """In the reader's language, as the rows are."""
    return [_("Member no."), _("Name"), _("Colour"), _("Checked in today"), _("Last check-in")]


def csv_row(member: Member) -> list[str]:
    """Plain text (the file is not HTML): the name exactly as declared."""
    return csv_rows()(member)


def csv_rows() -> Callable[[Member], list[str]]:
    """csv_row for a whole file: its words looked up once in the current locale, not again for every member
    (at 60,000 rows the lookups were most of the file's time)."""
    colours: dict[str | None, str] = {colour: colour_word(colour) for colour in COLOUR_SYMBOLS}
    yes, no = _("yes"), _("no")

    def row(member: Member) -> list[str]:
        colour = colours.get(member.colour)
        return [
            str(member.member_number) if member.member_number is not None else "",
            member.name or "",
            colour if colour is not None else colour_word(member.colour),
            yes if member.checked_in_today else no,
            member.last_checkin.isoformat() if member.last_checkin is not None else "",
        ]

    return row


# The column of csv_headers() whose cells the Excel file fills with the member's colour.
COLOUR_COLUMN = 2


def xlsx_rows() -> Callable[[Member], tuple[list[object], str | None]]:
    """csv_rows for the Excel file: the member number a number and the last check-in a day (each sorts as
    one), and the colour to fill."""
    csv_row = csv_rows()

    def row(member: Member) -> tuple[list[object], str | None]:
        cells: list[object] = list(csv_row(member))
        if member.member_number is not None:
            cells[0] = member.member_number
        if member.last_checkin is not None:
            cells[4] = member.last_checkin
        return cells, member.colour

    return row


def xlsx_sheet_title() -> str:
    return _("Members")


def csv_caption(organization: OrganizationSummary, day: date, locale: str) -> str:
    return _("<b>{organization}</b>: members on {day}").format(
        organization=organization_name(organization, locale), day=format_day(day, locale)
    )


def csv_file_name(organization: OrganizationSummary, day: date) -> str:
    return f"members-{organization.id}-{day.isoformat()}.csv"


def xlsx_file_name(organization: OrganizationSummary, day: date) -> str:
    return f"members-{organization.id}-{day.isoformat()}.xlsx"


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
