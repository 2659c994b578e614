"""Use cases of organizations against both databases: who may see what, joining, counts, the daily reminder."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.service import Audience
from bot.db.models import AuditEntry, Broadcast, BroadcastRecipient, Notice, Organization, Role, User
from bot.domain.answers import Contact, Symptom
from bot.i18n import create_i18n
from bot.organizations import export, scheduler
from bot.organizations import service as common_service
from bot.organizations.admin import service as admin_service
from bot.organizations.admin.service import HrOutcome
from bot.organizations.invites import presenter as invites_presenter
from bot.organizations.invites import service as invites_service
from bot.organizations.invites.service import JoinOutcome
from bot.organizations.reminders import service as reminders_service
from bot.organizations.report import presenter as report_presenter
from bot.organizations.report import service as report_service
from bot.organizations.service import ListKind
from bot.registration.service import submit_declaration
from bot.reminders import service as personal_reminders
from bot.reminders.presenter import composer as personal_composer
from tests.stories import answers, check_in

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 2)
ADMIN = 1
ADMINS = frozenset({ADMIN})


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE)


NOW = at(DAY, 10)
YESTERDAY = at(DAY - timedelta(days=1), 10)


async def add_user(sessions: async_sessionmaker[AsyncSession], user_id: int, language: str = "en") -> None:
    async with sessions.begin() as session:
        session.add(
            User(
                id=user_id,
                public_id=user_id * 31,
                language=language,
                privacy_accepted_at=YESTERDAY,
                created_at=YESTERDAY,
            )
        )


async def declare(sessions: async_sessionmaker[AsyncSession], user_id: int, when: datetime, **changes: object) -> None:
    async with sessions() as session:
        await submit_declaration(session, user_id, answers(**changes), when, ZONE)


async def create(sessions: async_sessionmaker[AsyncSession], name: str = "Uni") -> common_service.OrganizationSummary:
    async with sessions() as session:
        organization = await admin_service.create_organization(session, ADMIN, ADMINS, name, f"{name}中文", NOW)
    assert organization is not None
    return organization


async def make_hr(sessions: async_sessionmaker[AsyncSession], user_id: int, organization_id: int) -> None:
    async with sessions() as session:
        change = await admin_service.change_hr(session, ADMIN, ADMINS, organization_id, user_id, True, NOW)
    assert change.outcome is HrOutcome.DONE


async def audit(sessions: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with sessions() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def test_only_administrators_create_organizations_and_make_hr_members(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        assert await admin_service.create_organization(session, 5, ADMINS, "X", "叉", NOW) is None
        assert await admin_service.list_organizations(session, 5, ADMINS, NOW) is None
        refused = await admin_service.change_hr(session, 5, ADMINS, 1, 5, True, NOW)
    assert refused.outcome is HrOutcome.DENIED
    entries = await audit(session_factory)
    assert [(entry.action, entry.actor_id, entry.details) for entry in entries] == [
        ("denied", 5, {"attempted": "org new"}),
        ("denied", 5, {"attempted": "orgs"}),
        ("denied", 5, {"attempted": "org hr"}),
    ]

    first, second = await create(session_factory, "A"), await create(session_factory, "B")
    assert first.invite_code != second.invite_code and len(first.invite_code) == 12
    link = common_service.invite_link("the_bot", first.invite_code)
    assert link == f"https://t.me/the_bot?start=join-{first.invite_code}"

    await add_user(session_factory, 20, "zh")
    async with session_factory() as session:
        granted = await admin_service.change_hr(session, ADMIN, ADMINS, first.id, 20, True, NOW)
        again = await admin_service.change_hr(session, ADMIN, ADMINS, first.id, 20, True, NOW)
        missing = await admin_service.change_hr(session, ADMIN, ADMINS, 999, 20, True, NOW)
        # HR of the second organization too; then no longer of the first: the second stays.
        await admin_service.change_hr(session, ADMIN, ADMINS, second.id, 20, True, NOW)
        revoked = await admin_service.change_hr(session, ADMIN, ADMINS, first.id, 20, False, NOW)
        listing = await admin_service.list_organizations(session, ADMIN, ADMINS, NOW)
    assert (granted.outcome, granted.language, again.outcome) == (HrOutcome.DONE, "zh", HrOutcome.UNCHANGED)
    assert missing.outcome is HrOutcome.NO_ORGANIZATION and revoked.outcome is HrOutcome.DONE
    async with session_factory() as session:
        roles = [(row.user_id, row.role, row.organization_id) for row in await session.scalars(select(Role))]
    assert roles == [(20, "hr", second.id)]
    assert listing is not None and [(o.id, o.hr_members) for o in listing] == [(first.id, 0), (second.id, 1)]
    changes = [
        (e.action, e.subject_id, e.details) for e in await audit(session_factory) if e.action in ("grant", "revoke")
    ]
    assert changes == [
        ("grant", 20, {"role": "hr", "organization_id": first.id}),
        ("grant", 20, {"role": "hr", "organization_id": second.id}),
        ("revoke", 20, {"role": "hr", "organization_id": first.id}),
    ]


async def test_joining_by_invite_moves_between_organizations(session_factory: async_sessionmaker[AsyncSession]) -> None:
    first, second = await create(session_factory, "A"), await create(session_factory, "B")
    await add_user(session_factory, 30)
    async with session_factory() as session:
        assert (await invites_service.invitation(session, 30, "nope")).organization is None
        assert (await invites_service.join(session, 30, "nope")).outcome is JoinOutcome.UNKNOWN_INVITE
        assert (await invites_service.join(session, 31, first.invite_code)).outcome is JoinOutcome.NO_ACCOUNT
        joined = await invites_service.join(session, 30, first.invite_code)
        assert joined.outcome is JoinOutcome.JOINED and joined.left is None
        invitation = await invites_service.invitation(session, 30, first.invite_code)
        assert invitation.already_member
        assert (await invites_service.join(session, 30, first.invite_code)).outcome is JoinOutcome.ALREADY_MEMBER
        moving = await invites_service.invitation(session, 30, second.invite_code)
        assert moving.current is not None and moving.current.id == first.id and not moving.already_member
        moved = await invites_service.join(session, 30, second.invite_code)
        assert moved.outcome is JoinOutcome.JOINED and moved.left is not None and moved.left.id == first.id
        assert await invites_service.membership(session, 31) is None
    async with session_factory() as session:
        assert (await session.get(User, 30)).organization_id == second.id


async def test_hr_sees_counts_and_lists_of_their_own_organization_only(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    mine, theirs = await create(session_factory, "Mine"), await create(session_factory, "Theirs")
    hr, stranger = 40, 41
    await make_hr(session_factory, hr, mine.id)
    # 50 green, checked in today; 51 red (a contact), declared yesterday; 52 yellow (a cough) today;
    # 53 no declaration; 54 green yesterday and blocked the bot; 60 is in the other organization.
    for user_id in (50, 51, 52, 53, 54, 60):
        await add_user(session_factory, user_id)
    await declare(session_factory, 50, NOW, full_name="Zed Green")
    await declare(session_factory, 51, YESTERDAY, full_name="张伟", contacts=frozenset({Contact.CONFIRMED_CASE}))
    await declare(session_factory, 52, YESTERDAY, full_name="amy yellow")
    await check_in(session_factory, 52, NOW, symptoms=[Symptom.COUGH.value])
    await declare(session_factory, 54, YESTERDAY, full_name="=cmd|' /C calc'!A0")
    await declare(session_factory, 60, NOW, full_name="Other Person")
    async with session_factory.begin() as session:
        for user_id in (50, 51, 52, 53, 54):
            (await session.get(User, user_id)).organization_id = mine.id
        (await session.get(User, 60)).organization_id = theirs.id
        (await session.get(User, 54)).unreachable_since = NOW

    async with session_factory() as session:
        report = await report_service.report(session, hr, ADMINS, mine.id, NOW, ZONE)
        assert report is not None
        assert (report.members, report.checked_in, report.not_checked_in) == (5, 2, 3)
        assert (report.green, report.yellow, report.red, report.no_code, report.unreachable) == (2, 1, 1, 1, 1)
        page = await report_service.member_page(session, hr, ADMINS, mine.id, ListKind.NOT_CHECKED_IN, 0, NOW, ZONE)
        assert page is not None
        assert [(m.user_id, m.name, m.colour) for m in page.members] == [
            (54, "=cmd|' /C calc'!A0", "green"),
            (51, "张伟", "red"),
            (53, None, None),
        ]
        not_green = await report_service.member_page(session, hr, ADMINS, mine.id, ListKind.NOT_GREEN, 0, NOW, ZONE)
        assert [m.user_id for m in not_green.members] == [52, 51, 53]
        exported: list[report_service.Member] = []
        export = await report_service.export_members(session, hr, ADMINS, mine.id, NOW, ZONE, exported.extend)
        assert export is not None and export.count == 5
        assert [(m.user_id, m.checked_in_today, m.last_checkin) for m in exported] == [
            (54, False, DAY - timedelta(days=1)),
            (52, True, DAY),
            (50, True, DAY),
            (51, False, DAY - timedelta(days=1)),
            (53, False, None),
        ]
        # The other organization, and everything for a stranger: refused, and audited with what was tried.
        assert await report_service.report(session, hr, ADMINS, theirs.id, NOW, ZONE) is None
        assert (
            await report_service.member_page(session, hr, ADMINS, theirs.id, ListKind.NOT_GREEN, 0, NOW, ZONE) is None
        )
        assert await report_service.export_members(session, hr, ADMINS, theirs.id, NOW, ZONE, exported.extend) is None
        assert await report_service.report(session, stranger, ADMINS, mine.id, NOW, ZONE) is None
        assert await report_service.report(session, hr, ADMINS, 999, NOW, ZONE) is None
        assert await reminders_service.set_schedule(session, hr, ADMINS, theirs.id, time(8), NOW, ZONE) is None
        refused = await reminders_service.reminder_recipients(
            session, hr, ADMINS, theirs.id, Audience.EVERYONE, NOW, ZONE
        )
        assert refused.outcome is reminders_service.SendOutcome.DENIED and refused.count == 0
        # An administrator sees any organization.
        assert (await report_service.report(session, ADMIN, ADMINS, theirs.id, NOW, ZONE)).members == 1
        assert [o.id for o in await report_service.organizations_for(session, hr, ADMINS)] == [mine.id]
        assert [o.id for o in await report_service.organizations_for(session, ADMIN, ADMINS)] == [mine.id, theirs.id]
        assert await report_service.organizations_for(session, stranger, ADMINS) == []
        everyone = await reminders_service.reminder_recipients(
            session, hr, ADMINS, mine.id, Audience.EVERYONE, NOW, ZONE
        )
        assert everyone.outcome is reminders_service.SendOutcome.STARTED and everyone.count == 5
        for audience, expected in (
            (Audience.EVERYONE, [50, 51, 52, 53, 54]),
            (Audience.NOT_CHECKED_IN, [51, 53, 54]),
            (Audience.NOT_GREEN, [51, 52, 53]),
        ):
            assert await reminders_service.recipient_count(session, mine.id, audience, DAY) == len(expected)
            job = await reminders_service.send_reminder(
                session,
                organization_id=mine.id,
                actor_id=hr,
                audience=audience,
                text=None,
                now=NOW,
                zone=ZONE,
                progress_chat_id=hr,
                progress_message_id=1,
            )
            chosen = await session.execute(
                select(BroadcastRecipient.user_id, BroadcastRecipient.state)
                .where(BroadcastRecipient.broadcast_id == job)
                .order_by(BroadcastRecipient.id)
            )
            # In id order; 54 blocked the bot, so is counted as blocked at once and never sent to.
            assert list(chosen) == [(user_id, "blocked" if user_id == 54 else "pending") for user_id in expected]
    denied = [(e.actor_id, e.details) for e in await audit(session_factory) if e.action == "denied"]
    assert denied == [
        (hr, {"attempted": "report", "organization_id": theirs.id}),
        (hr, {"attempted": "members", "organization_id": theirs.id}),
        (hr, {"attempted": "export", "organization_id": theirs.id}),
        (stranger, {"attempted": "report", "organization_id": mine.id}),
        (hr, {"attempted": "report", "organization_id": 999}),
        (hr, {"attempted": "schedule", "organization_id": theirs.id}),
        (hr, {"attempted": "remind", "organization_id": theirs.id}),
    ]


async def test_a_schedule_set_after_its_time_starts_tomorrow(session_factory: async_sessionmaker[AsyncSession]) -> None:
    organization = await create(session_factory)
    async with session_factory() as session:
        later = await reminders_service.set_schedule(session, ADMIN, ADMINS, organization.id, time(11, 0), NOW, ZONE)
        assert later is not None and not later.starts_tomorrow
        earlier = await reminders_service.set_schedule(session, ADMIN, ADMINS, organization.id, time(8, 30), NOW, ZONE)
        assert earlier is not None and earlier.starts_tomorrow
        row = await session.get(Organization, organization.id)
        assert (row.reminder_at, row.reminded_on) == (time(8, 30), DAY)
        off = await reminders_service.set_schedule(session, ADMIN, ADMINS, organization.id, None, NOW, ZONE)
        assert off is not None and off.organization.reminder_at is None


async def test_the_daily_reminder_fires_once_a_day_to_those_not_checked_in(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    organization, quiet = await create(session_factory, "A"), await create(session_factory, "B")
    for user_id in (70, 71, 72):
        await add_user(session_factory, user_id)
    await declare(session_factory, 70, at(DAY, 7))  # checked in today before the reminder
    await declare(session_factory, 71, YESTERDAY)
    async with session_factory.begin() as session:
        for user_id in (70, 71, 72):
            (await session.get(User, user_id)).organization_id = organization.id
        (await session.get(Organization, organization.id)).reminder_at = time(8, 30)
        (await session.get(Organization, quiet.id)).reminder_at = time(9, 30)

    assert await scheduler.fire_due(session_factory, at(DAY, 8, 29), ZONE) == []
    # Several looks at once, as several bot processes would: one job.
    results = await asyncio.gather(*(scheduler.fire_due(session_factory, at(DAY, 8, 31), ZONE) for _ in range(4)))
    fired = [item for result in results for item in result]
    assert [(item.organization_id, item.recipients) for item in fired] == [(organization.id, 2)]
    assert await scheduler.fire_due(session_factory, at(DAY, 23, 59), ZONE) == [scheduler.Fired(quiet.id, None, 0)], (
        "the organization without members is claimed, and nobody is sent anything"
    )
    async with session_factory() as session:
        jobs = list(await session.scalars(select(Broadcast)))
        assert [(job.organization_id, job.created_by, job.audience, job.text) for job in jobs] == [
            (organization.id, None, "not_checked_in", None)
        ]
        recipients = sorted(row.user_id for row in await session.scalars(select(BroadcastRecipient)))
        assert recipients == [71, 72]
    # The next day, again.
    tomorrow = DAY + timedelta(days=1)
    fired = await scheduler.fire_due(session_factory, at(tomorrow, 8, 30), ZONE)
    assert [(item.organization_id, item.recipients) for item in fired] == [(organization.id, 3)]


async def test_one_automatic_reminder_a_day_whether_the_organization_s_or_their_own(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Before: someone not green got their own 09:00 reminder after HR's 08:30 one, the same morning."""
    organization = await create(session_factory, "A")
    for user_id in (75, 76, 77):
        await add_user(session_factory, user_id)
        await declare(session_factory, user_id, YESTERDAY, contacts=frozenset({Contact.CONFIRMED_CASE}))
    async with session_factory.begin() as session:
        for user_id in (75, 76):
            (await session.get(User, user_id)).organization_id = organization.id
        (await session.get(User, 76)).reminded_on = DAY  # their own reminder came at 08:00
        (await session.get(Organization, organization.id)).reminder_at = time(8, 30)

    [fired] = await scheduler.fire_due(session_factory, at(DAY, 8, 31), ZONE)
    assert fired.recipients == 1, "the one their own reminder reached already is not reminded twice"
    async with session_factory() as session:
        recipients = [row.user_id for row in await session.scalars(select(BroadcastRecipient))]
    assert recipients == [75]

    own = await personal_reminders.queue_due(
        session_factory, personal_composer(create_i18n()), at(DAY, 9, 1), ZONE, personal_reminders.ReminderTimes()
    )
    assert own.reminded == 1, "only 77, outside the organization: 75 had the organization's reminder today"
    async with session_factory() as session:
        assert list(await session.scalars(select(Notice.user_id))) == [77]


async def test_the_status_line_names_the_organization_in_the_readers_language(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    organization = await create(session_factory, "Uni <A>")
    await add_user(session_factory, 35, "zh")
    i18n = create_i18n()
    async with session_factory() as session:
        with i18n.context(), i18n.use_locale("en"):
            assert await invites_service.membership(session, 35) is None
            await invites_service.join(session, 35, organization.invite_code)
            member_of = await invites_service.membership(session, 35)
            assert member_of is not None
            assert invites_presenter.membership_line(member_of, "en") == "Organization: Uni &lt;A&gt;"
        with i18n.context(), i18n.use_locale("zh"):
            assert "Uni &lt;A&gt;中文" in invites_presenter.membership_line(member_of, "zh")


async def test_members_are_numbered_in_each_organization_and_the_csv_tells_two_of_one_name_apart(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first, second = await create(session_factory, "A"), await create(session_factory, "B")
    for user_id in (40, 41, 42):
        await add_user(session_factory, user_id)
    async with session_factory() as session:
        assert (await invites_service.join(session, 49, first.invite_code)).outcome is JoinOutcome.NO_ACCOUNT
        for user_id in (41, 40, 42):
            assert (await invites_service.join(session, user_id, first.invite_code)).outcome is JoinOutcome.JOINED
        # Leaving and coming back is a new membership: a new number, never one given before.
        await invites_service.join(session, 41, second.invite_code)
        await invites_service.join(session, 41, first.invite_code)
    async with session_factory.begin() as session:
        numbers = {user.id: user.member_number for user in await session.scalars(select(User).order_by(User.id))}
        for user_id in (40, 41, 42):
            (await session.get(User, user_id)).display_name = "Wang Fang"
            (await session.get(User, user_id)).name_key = "wang fang"
    assert numbers == {40: 2, 41: 4, 42: 3}, "no number used up by someone without an account"
    await add_user(session_factory, 60, language="zh")
    await make_hr(session_factory, 60, first.id)

    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("zh"):
        row = report_presenter.csv_rows()
        with export.CsvFile(report_presenter.csv_headers()) as sheet:
            async with session_factory() as session:
                exported = await report_service.export_members(
                    session, 60, ADMINS, first.id, NOW, ZONE, lambda batch: sheet.add_rows(map(row, batch))
                )
            text = sheet.getvalue().decode("utf-8-sig")
    assert exported is not None
    lines = text.splitlines()
    assert lines[0].split(",")[:2] == ["成员编号", "姓名"]
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["2", "3", "4"]
    assert all(line.split(",")[1] == "Wang Fang" for line in lines[1:])
    assert not any(str(user_id) in text for user_id in (40, 41, 42)), "no Telegram id in the file"
