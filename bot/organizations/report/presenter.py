"""The words of /report: the report, its chart labels, member lists and the columns of its files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.i18n import format_day, format_short_day
from bot.organizations.chart import ChartDay, ChartLabels
from bot.organizations.presenter import (
    COLOUR_SYMBOLS,
    UNREACHABLE,
    colour_label,
    colour_word,
    organization_name,
    plain_name,
)
from bot.organizations.report.service import Member, MemberPage, Report, ReportHistory
from bot.organizations.service import ListKind, OrganizationSummary

# --- The HR view ------------------------------------------------------------------------------------


def chart_labels(history: ReportHistory, locale: str) -> ChartLabels:
    """The chart's words; `$` escaped, which matplotlib would otherwise read as the start of a formula."""
    name = plain_name(history.organization, locale).replace("$", r"\$")
    title = _("{organization}: check-ins over the last {days} days").format(organization=name, days=len(history.days))
    return titled_chart_labels(title, history.days, locale)


def titled_chart_labels(title: str, days: list[ChartDay], locale: str) -> ChartLabels:
    """A 14-day chart's words under `title` (already translated, `$` escaped)."""
    return ChartLabels(
        title=title,
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
        day_names=[format_short_day(day.day, locale) for day in days],
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
