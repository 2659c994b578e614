"""The words of organizations: names escaped, counts and lists as HR reads them, nothing of anyone's answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time

import pytest

from bot.broadcast.service import Audience
from bot.i18n import create_i18n
from bot.organizations import presenter as common_presenter
from bot.organizations.admin import presenter as admin_presenter
from bot.organizations.admin.service import HrChange, HrOutcome
from bot.organizations.invites import presenter as invites_presenter
from bot.organizations.invites.service import Invitation, Joined, JoinOutcome
from bot.organizations.reminders import presenter as reminders_presenter
from bot.organizations.reminders.service import Schedule
from bot.organizations.report import presenter as report_presenter
from bot.organizations.report.service import Member, MemberPage, Report
from bot.organizations.service import PAGE_SIZE, ListKind, OrganizationSummary

TODAY = date(2026, 3, 2)
ORG = OrganizationSummary(
    id=3, name_en="Ningbo <Uni> & Co", name_zh="宁波<大学>", invite_code="abcDEF123_-x", reminder_at=None
)
OTHER = OrganizationSummary(id=4, name_en="Other", name_zh="别的", invite_code="zzz", reminder_at=time(8, 30))


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("en"):
        yield


def member(user_id: int, name: str | None, colour: str | None, checked: bool, unreachable: bool = False) -> Member:
    return Member(
        user_id=user_id,
        name=name,
        colour=colour,
        checked_in_today=checked,
        last_checkin=TODAY if checked else None,
        unreachable=unreachable,
    )


MEMBERS = [
    member(1, "Ann <b>", "green", True),
    member(2, "张伟", "yellow", False),
    member(3, "Bob", "red", True, unreachable=True),
    member(4, None, None, False),
    member(5, "Cy", "green", False),
]


def report_of(members: list[Member]) -> Report:
    """The counts the database would give for these members."""
    colours = [m.colour for m in members]
    return Report(
        organization=ORG,
        day=TODAY,
        members=len(members),
        checked_in=sum(m.checked_in_today for m in members),
        green=colours.count("green"),
        yellow=colours.count("yellow"),
        red=colours.count("red"),
        no_code=colours.count(None),
        unreachable=sum(m.unreachable for m in members),
        not_green=sum(not m.green for m in members),
    )


def page_of(members: list[Member], kind: ListKind, page: int = 0, total: int | None = None) -> MemberPage:
    """A page as the service reads it: these members of a list of `total`."""
    chosen = [m for m in members if (not m.checked_in_today if kind is ListKind.NOT_CHECKED_IN else not m.green)]
    total = len(chosen) if total is None else total
    return MemberPage(ORG, kind, TODAY, tuple(chosen), page, max(1, -(-total // PAGE_SIZE)), total)


def test_organization_names_are_escaped_and_in_the_readers_language() -> None:
    assert common_presenter.organization_name(ORG, "en") == "Ningbo &lt;Uni&gt; &amp; Co"
    assert common_presenter.organization_name(ORG, "zh") == "宁波&lt;大学&gt;"
    assert common_presenter.plain_name(ORG, "zh") == "宁波<大学>"
    assert common_presenter.both_names(ORG) == "Ningbo &lt;Uni&gt; &amp; Co / 宁波&lt;大学&gt;"
    created = admin_presenter.created(ORG, "https://t.me/bot?start=join-abcDEF123_-x")
    assert "Organization 3 created" in created and "&lt;Uni&gt;" in created and "<Uni>" not in created
    assert "<code>/org hr 3 @username</code>" in created


def test_report_counts_by_check_in_and_colour() -> None:
    report = report_of(MEMBERS)
    assert (report.members, report.checked_in, report.not_checked_in) == (5, 2, 3)
    assert (report.green, report.yellow, report.red, report.no_code) == (2, 1, 1, 1)
    assert (report.not_green, report.unreachable) == (3, 1)
    text = report_presenter.report_text(report, "en")
    lines = text.splitlines()
    assert lines[0] == "<b>Ningbo &lt;Uni&gt; &amp; Co</b>, March 2, 2026"
    for line in (
        "Members: 5",
        "Checked in today: 2",
        "Not checked in yet: 3",
        "🟢 Green: 2",
        "🟡 Yellow: 1",
        "🔴 Red: 1",
        "⚪ No code yet: 1",
        "⛔ Blocked this bot: 1",
    ):
        assert line in lines, line
    assert "Ann" not in text, "counts only: no names in the report"


def test_a_report_without_unreachable_members_does_not_mention_blocking() -> None:
    report = report_of([member(1, "Ann", "green", True)])
    assert "Blocked" not in report_presenter.report_text(report, "en")


def test_lists_show_name_and_colour_only_escaped_and_numbered() -> None:
    page = page_of(MEMBERS, ListKind.NOT_CHECKED_IN)
    text = report_presenter.page_text(page, "en")
    lines = text.splitlines()
    assert lines[0] == "<b>Ningbo &lt;Uni&gt; &amp; Co</b>: not checked in on March 2, 2026: 3"
    # In the order given (the service sorts members by name when it loads them).
    assert lines[2:] == ["1. 张伟: 🟡 yellow", "2. (no name yet): ⚪ no code yet", "3. Cy: 🟢 green"]
    assert "Page" not in text, "one page: no page numbers"

    not_green = report_presenter.page_text(page_of(MEMBERS, ListKind.NOT_GREEN), "en")
    assert "Bob: 🔴 red ⛔" in not_green and "blocked this bot" in not_green
    assert "Ann" not in not_green and "Cy" not in not_green
    green_only = [member(1, "Ann <b>", "green", True)]
    assert "Everyone is green." in report_presenter.page_text(page_of(green_only, ListKind.NOT_GREEN), "en")
    assert "Everyone has checked in today." in report_presenter.page_text(
        page_of(green_only, ListKind.NOT_CHECKED_IN), "en"
    )


def test_a_later_page_is_numbered_on_from_the_pages_before_it() -> None:
    total = PAGE_SIZE * 2 + 3
    tail = [member(index, f"Person {index:03}", "red", False) for index in range(PAGE_SIZE * 2, total)]
    last = page_of(tail, ListKind.NOT_GREEN, page=2, total=total)
    assert (last.pages, last.first_number) == (3, PAGE_SIZE * 2 + 1)
    text = report_presenter.page_text(last, "en")
    assert f"{PAGE_SIZE * 2 + 1}. Person {PAGE_SIZE * 2:03}: 🔴 red" in text
    assert "Page 3 of 3" in text


def test_csv_rows_hold_the_name_as_typed_colour_and_check_ins() -> None:
    assert report_presenter.csv_headers() == ["Member no.", "Name", "Colour", "Checked in today", "Last check-in"]
    numbered = Member(1, "Ann <b>", "green", True, TODAY, False, member_number=17)
    assert report_presenter.csv_row(numbered) == ["17", "Ann <b>", "green", "yes", "2026-03-02"]
    assert report_presenter.csv_row(member(4, None, None, False)) == ["", "", "no code yet", "no", ""]
    assert report_presenter.csv_file_name(ORG, TODAY) == "members-3-2026-03-02.csv"


def test_the_reminder_preview_shows_both_languages_and_whom_it_reaches() -> None:
    text = reminders_presenter.reminder_preview(ORG, "en", Audience.NOT_CHECKED_IN, 7, "Please check in", "请打卡")
    assert "<b>Ningbo &lt;Uni&gt; &amp; Co</b>: a reminder to members who have not checked in today (7 now)." in text
    assert text.index("<b>English</b>\nPlease check in") < text.index("<b>中文</b>\n请打卡")
    for audience in Audience:
        assert reminders_presenter.audience_button(audience)
        assert "Nothing was sent." in reminders_presenter.nobody_to_remind(audience)


def test_joining_says_where_and_what_hr_sees() -> None:
    question = invites_presenter.join_question(Invitation(organization=ORG), "en")
    assert question.startswith("Join <b>Ningbo &lt;Uni&gt; &amp; Co</b>?")
    assert "never your answers" in question and "leaves it" not in question
    moving = invites_presenter.join_question(Invitation(organization=ORG, current=OTHER), "zh")
    assert "宁波&lt;大学&gt;" in moving and "<b>别的</b> now; joining leaves it" in moving
    joined = invites_presenter.join_result(Joined(JoinOutcome.JOINED, ORG, OTHER), "en")
    assert joined == "You are now a member of <b>Ningbo &lt;Uni&gt; &amp; Co</b>. You left <b>Other</b>."
    assert "already a member" in invites_presenter.join_result(Joined(JoinOutcome.ALREADY_MEMBER, ORG), "en")
    assert "not valid" in invites_presenter.join_result(Joined(JoinOutcome.UNKNOWN_INVITE), "en")
    assert invites_presenter.membership_line(ORG, "zh") == "Organization: 宁波&lt;大学&gt;"


def test_hr_changes_name_the_person_and_the_organization() -> None:
    change = HrChange(HrOutcome.DONE, True, 42, ORG, "zh", "li_<hr>")
    assert admin_presenter.hr_result(change, told=True, locale="en") == (
        "Done: <code>42</code> (@li_&lt;hr&gt;) is now an HR member of <b>Ningbo &lt;Uni&gt; &amp; Co</b>. "
        "They will be told in a moment."
    )
    assert "could not be told" in admin_presenter.hr_result(change, told=False, locale="en")
    assert "宁波&lt;大学&gt;" in admin_presenter.hr_notice(change, "zh") and "/report" in admin_presenter.hr_notice(
        change, "zh"
    )
    removed = HrChange(HrOutcome.UNCHANGED, False, 42, ORG)
    assert admin_presenter.hr_result(removed, told=False, locale="en") == (
        "<code>42</code> is not an HR member of <b>Ningbo &lt;Uni&gt; &amp; Co</b>. Nothing changed."
    )
    named = HrChange(HrOutcome.DONE, True, 42, ORG, "zh", "liwei", name="李伟")
    assert admin_presenter.hr_result(named, told=True, locale="en").startswith(
        "Done: <b>李伟</b> (@liwei) is now an HR member"
    )


def test_schedules_and_listing() -> None:
    assert "every day at 08:30" in reminders_presenter.schedule_text(OTHER, "en")
    assert "is off" in reminders_presenter.schedule_text(ORG, "en")
    later = reminders_presenter.schedule_set(Schedule(ORG, time(7, 5), starts_tomorrow=True), "en")
    assert "every day at 07:05" in later and "first reminder is tomorrow" in later
    assert "is off" in reminders_presenter.schedule_set(Schedule(ORG, None), "en")
    assert "&lt;x&gt;" in reminders_presenter.not_a_time("<x>")
    listing = admin_presenter.organizations_listing([ORG, OTHER], {3: "link-3", 4: "link-4"})
    assert len(listing) == 1
    assert "daily reminder: off" in listing[0] and "daily reminder: 08:30" in listing[0] and "link-4" in listing[0]
    many = [
        OrganizationSummary(id=index, name_en="x" * 190, name_zh="y" * 190, invite_code="c", reminder_at=None)
        for index in range(30)
    ]
    pieces = admin_presenter.organizations_listing(many, {index: "link" for index in range(30)})
    assert len(pieces) > 1 and all(len(piece) <= common_presenter.MESSAGE_LIMIT for piece in pieces)
    assert admin_presenter.organizations_listing([], {}) == [common_presenter.no_organizations()]
