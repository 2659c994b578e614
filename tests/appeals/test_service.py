"""Appeals through the real services and database (SQLite and PostgreSQL): one open appeal, the queue for
reviewers only, a grant that turns the colour at once, two reviewers at once, and erased appellants."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.accounts import Accounts
from bot.appeals import service
from bot.appeals.service import Category
from bot.db.models import Appeal, AuditEntry, Notice
from bot.db.repositories.roles import RoleRepository
from bot.domain.answers import OwnStatus
from bot.personal_data.service import erase_everything, erasure_preview
from bot.registration.service import submit_declaration
from bot.status.service import reassess
from tests.stories import ZONE, add_person, answers, at, check_in

ADMIN = 900
ADMINS = frozenset({ADMIN})
REVIEWER = 800
OTHER_REVIEWER = 801


class Words:
    def upheld(self, language: str, appeal: Appeal, category: Category, text: str) -> str:
        return f"upheld {language} {category.value} {text}"

    def granted(self, language: str, appeal: Appeal, ends_on: date) -> str:
        return f"granted {language} {ends_on.isoformat()}"


async def _red(sessions: async_sessionmaker[AsyncSession], fake: object, user_id: int, language: str = "en") -> None:
    await add_person(sessions, fake, user_id, language)  # type: ignore[arg-type]
    async with sessions() as session:
        await submit_declaration(session, user_id, answers(own_status=OwnStatus.OBSERVATION), at(1), ZONE)


async def _reviewers(sessions: async_sessionmaker[AsyncSession], *user_ids: int) -> None:
    async with sessions.begin() as session:
        for user_id in user_ids:
            await RoleRepository(session).grant(user_id, "reviewer", ADMIN, at(1))


async def _appeal(sessions: async_sessionmaker[AsyncSession], user_id: int) -> Appeal:
    async with sessions() as session:
        current = await service.contestable(session, user_id, at(2), ZONE)
        return await service.submit(session, user_id, current.reasons[0], "I was released", "PHOTO1", at(2), ZONE, 24)


async def test_one_open_appeal_a_reason_on_record_and_withdrawal(session_factory, telegram) -> None:
    fake, _bot = telegram
    await _red(session_factory, fake, 1)
    async with session_factory() as session:
        current = await service.contestable(session, 1, at(2), ZONE)
    assert current.colour == "red" and current.reasons == ("own_status_observation",)
    async with session_factory() as session:
        with pytest.raises(service.NotOnRecord):
            await service.submit(session, 1, "place_abroad", "not abroad", None, at(2), ZONE, 24)
    appeal = await _appeal(session_factory, 1)
    assert appeal.due_at == at(2) + timedelta(hours=24) and appeal.photo_file_id == "PHOTO1"
    async with session_factory() as session:
        with pytest.raises(service.AlreadyOpen):
            await service.submit(session, 1, "own_status_observation", "again", None, at(2), ZONE, 24)
    async with session_factory() as session:
        assert await service.withdraw(session, 1, at(3))
        assert not await service.withdraw(session, 1, at(3))
    await _appeal(session_factory, 1)
    async with session_factory() as session:
        states = list(await session.scalars(select(Appeal.state).order_by(Appeal.id)))
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert states == ["withdrawn", "open"]
    assert actions == ["appeal", "appeal_withdrawn", "appeal"]


async def test_green_people_and_strangers_have_nothing_to_appeal(session_factory, telegram) -> None:
    fake, _bot = telegram
    await add_person(session_factory, fake, 2, "en")
    async with session_factory() as session:
        await submit_declaration(session, 2, answers(), at(1), ZONE)
    for user_id in (2, 3):
        async with session_factory() as session:
            with pytest.raises(service.NothingToAppeal):
                await service.contestable(session, user_id, at(2), ZONE)


async def test_only_reviewers_see_the_queue_and_it_shows_readings_only(session_factory, telegram) -> None:
    fake, _bot = telegram
    await _red(session_factory, fake, 1)
    await _red(session_factory, fake, 2)
    await check_in(session_factory, 1, at(2), temperature_c=37.0)
    first = await _appeal(session_factory, 1)
    await _appeal(session_factory, 2)
    await _reviewers(session_factory, REVIEWER)
    async with session_factory() as session:
        with pytest.raises(service.NotAllowed):
            await service.queue_item(session, 5, ADMINS, None, at(2), ZONE)
        denied = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "denied")))
    assert [(entry.actor_id, entry.details) for entry in denied] == [(5, {"attempted": "appeals"})]
    for reviewer in (REVIEWER, ADMIN):
        async with session_factory() as session:
            item = await service.queue_item(session, reviewer, ADMINS, None, at(2), ZONE)
        assert item is not None and item.appeal.id == first.id and item.open_count == 2 and item.has_next
        assert [(reading.day, reading.temperature_c) for reading in item.readings] == [
            (at(1).date(), 36.6),
            (at(2).date(), 37.0),
        ]
    async with session_factory() as session:
        last = await service.queue_item(session, REVIEWER, ADMINS, item.appeal.id, at(2), ZONE)
    assert last is not None and last.appeal.user_id == 2 and not last.has_next


async def test_a_grant_turns_the_colour_green_at_once_and_tells_the_person(session_factory, telegram) -> None:
    fake, _bot = telegram
    await _red(session_factory, fake, 1, "zh")
    appeal = await _appeal(session_factory, 1)
    await _reviewers(session_factory, REVIEWER)
    async with session_factory() as session:
        await service.grant(session, REVIEWER, ADMINS, appeal.id, 14, at(3), ZONE, Words())
    async with session_factory() as session:
        assert (await reassess(session, 1, at(3), ZONE, cause="daily")).row.colour == "green"
        stored = await session.get(Appeal, appeal.id)
        notices = list(await session.scalars(select(Notice.text).where(Notice.user_id == 1)))
        decided = await session.scalar(select(AuditEntry).where(AuditEntry.action == "appeal_decided"))
        await session.commit()
    assert stored is not None and stored.state == "granted" and stored.grant_ends_on == at(3).date() + timedelta(14)
    assert notices == [f"granted zh {(at(3).date() + timedelta(14)).isoformat()}"]
    # Who decided is on record, for the audit; the person's notice does not carry it.
    assert decided is not None and decided.actor_id == REVIEWER and decided.details["outcome"] == "granted"
    async with session_factory() as session:
        with pytest.raises(service.AlreadyDecided):
            await service.uphold(session, REVIEWER, ADMINS, appeal.id, Category.RULES, "no", at(3), Words())


async def test_a_granted_colour_says_the_appeal_was_granted_not_an_authoritys_decision(
    session_factory, telegram
) -> None:
    from bot.history.entries import ColourEntry, Turn
    from bot.history.presenter import render_entry
    from bot.history.service import load_history
    from bot.i18n import create_i18n
    from bot.status.presenter import status_lines

    fake, _bot = telegram
    await _red(session_factory, fake, 1)
    appeal = await _appeal(session_factory, 1)
    async with session_factory() as session:
        await service.grant(session, ADMIN, ADMINS, appeal.id, 7, at(3), ZONE, Words())
    async with session_factory() as session:
        status = (await reassess(session, 1, at(3), ZONE, cause="daily")).status
        await session.commit()
    async with session_factory() as session:
        history = await load_history(session, 1, at(3), ZONE)
    [granted] = [entry for entry in history.entries if isinstance(entry, ColourEntry) and entry.turn is Turn.DECIDED]
    # No note: the person never got "appeal granted" quoted as the health authority's words.
    assert (status.override_category, status.override_reason) == ("appeal_granted", "")
    i18n = create_i18n()
    for locale, words in (("en", "your appeal was granted"), ("zh", "申诉")):
        with i18n.context(), i18n.use_locale(locale):
            lines = "\n".join(status_lines(status, locale, at(3).astimezone(ZONE).date()))
            entry = render_entry(granted, locale, ZONE)
        assert words in lines and words in entry
        assert "health authority" not in lines + entry and "卫生部门" not in lines + entry


async def test_two_reviewers_at_once_one_decision_wins(session_factory, telegram) -> None:
    fake, _bot = telegram
    await _red(session_factory, fake, 1)
    appeal = await _appeal(session_factory, 1)
    await _reviewers(session_factory, REVIEWER, OTHER_REVIEWER)

    async def upholding() -> str:
        async with session_factory() as session:
            try:
                await service.uphold(
                    session, REVIEWER, ADMINS, appeal.id, Category.ON_RECORD, "as declared", at(3), Words()
                )
            except service.AlreadyDecided:
                return "told"
            return "won"

    async def granting() -> str:
        async with session_factory() as session:
            try:
                await service.grant(session, OTHER_REVIEWER, ADMINS, appeal.id, 7, at(3), ZONE, Words())
            except service.AlreadyDecided:
                return "told"
            return "won"

    outcomes = await asyncio.gather(upholding(), granting())
    assert sorted(outcomes) == ["told", "won"]
    async with session_factory() as session:
        notices = list(await session.scalars(select(Notice.text).where(Notice.user_id == 1)))
        decided = select(AuditEntry.actor_id).where(AuditEntry.action == "appeal_decided")
        decisions = list(await session.scalars(decided))
    assert len(notices) == 1 and len(decisions) == 1


async def test_a_forged_decision_from_a_non_reviewer_changes_nothing(session_factory, telegram) -> None:
    fake, _bot = telegram
    await _red(session_factory, fake, 1)
    appeal = await _appeal(session_factory, 1)
    async with session_factory() as session:
        with pytest.raises(service.NotAllowed):
            await service.grant(session, 1, ADMINS, appeal.id, 14, at(3), ZONE, Words())
    async with session_factory() as session:
        stored = await session.get(Appeal, appeal.id)
        assert stored is not None and stored.state == "open"
        assert (await reassess(session, 1, at(3), ZONE, cause="daily")).row.colour == "red"
        await session.commit()


async def test_an_appeal_of_someone_who_deleted_their_data_is_gone(session_factory, telegram) -> None:
    fake, _bot = telegram
    await _red(session_factory, fake, 1)
    appeal = await _appeal(session_factory, 1)
    await _reviewers(session_factory, REVIEWER)

    class NoConversation:
        async def get_data(self) -> dict[str, object]:
            return {}

        async def get_state(self) -> None:
            return None

        async def clear(self) -> None:
            return None

    async with session_factory() as session:
        # The confirmation says the appeal goes too.
        assert (await erasure_preview(session, 1, at(3), ZONE)).open_appeal
    async with session_factory() as session:
        erased = await erase_everything(session, NoConversation(), Accounts(), 1, at(3), ZONE)  # type: ignore[arg-type]
    assert erased.account
    async with session_factory() as session:
        assert await service.queue_item(session, REVIEWER, ADMINS, None, at(3), ZONE) is None
        with pytest.raises(service.AlreadyDecided):
            await service.grant(session, REVIEWER, ADMINS, appeal.id, 14, at(3), ZONE, Words())
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.action.like("appeal%"))))
    assert entries and all(entry.actor_id is None and entry.subject_id is None for entry in entries)


async def test_history_and_mydata_show_the_appeal_without_the_reviewer_and_retention_purges_it(
    session_factory, telegram
) -> None:
    from aiogram.fsm.storage.memory import MemoryStorage

    from bot.history.service import load_history
    from bot.personal_data.presenter import data_json
    from bot.personal_data.service import stored_data
    from bot.retention import purge_expired

    fake, _bot = telegram
    await _red(session_factory, fake, 1)
    appeal = await _appeal(session_factory, 1)
    await _reviewers(session_factory, REVIEWER)
    async with session_factory() as session:
        await service.uphold(session, REVIEWER, ADMINS, appeal.id, Category.RULES, "14 days", at(3), Words())
    async with session_factory() as session:
        history = await load_history(session, 1, at(3), ZONE)
    kinds = [type(entry).__name__ for entry in history.entries if "Appeal" in type(entry).__name__]
    assert kinds == ["AppealOutcomeEntry", "AppealEntry"]

    class NoConversation:
        async def get_data(self) -> dict[str, object]:
            return {}

        async def get_state(self) -> None:
            return None

    async with session_factory() as session:
        data = await stored_data(session, NoConversation(), 1)  # type: ignore[arg-type]
    document = data_json(data, at(3)).decode()
    assert '"decision_text": "14 days"' in document and "decided_by" not in document

    # Kept while within RETENTION_DAYS; closed and older than that, deleted.
    purged = await purge_expired(session_factory, MemoryStorage(), at(3), timedelta(days=60))
    assert purged.appeals == 0
    purged = await purge_expired(session_factory, MemoryStorage(), at(70), timedelta(days=60))
    assert purged.appeals == 1


async def test_reviewers_are_reminded_once_near_the_due_time_and_admins_told_once_when_overdue(
    session_factory, telegram
) -> None:
    from bot.appeals.deadlines import keep_deadlines
    from bot.i18n import create_i18n

    fake, _bot = telegram
    for user_id in (1, 2):
        await _red(session_factory, fake, user_id)
        await _appeal(session_factory, user_id)
    await add_person(session_factory, fake, REVIEWER, "zh")
    await _reviewers(session_factory, REVIEWER, OTHER_REVIEWER)
    i18n = create_i18n()

    async def keep(hours_after: float) -> tuple[int, int]:
        kept = await keep_deadlines(session_factory, i18n, at(2) + timedelta(hours=hours_after), ZONE, ADMINS, 24)
        return kept.reminded, kept.escalated

    async def notices_to() -> list[tuple[int, str]]:
        async with session_factory() as session:
            rows = await session.execute(select(Notice.user_id, Notice.text).order_by(Notice.id))
            return [(user_id, text) for user_id, text in rows]

    assert await keep(12) == (0, 0)
    assert await keep(18) == (2, 0)
    assert await keep(19) == (0, 0)
    told = await notices_to()
    # One notice per reviewer for both appeals; each in the reviewer's language (English without an account).
    assert [user_id for user_id, _text in told] == [REVIEWER, OTHER_REVIEWER]
    assert "申诉" in told[0][1] and "Appeals due soon: 2." in told[1][1]
    assert await keep(24) == (0, 2)
    assert await keep(30) == (0, 0)
    told = await notices_to()
    assert [user_id for user_id, _text in told[2:]] == [ADMIN]
    assert "Appeals past their due time: 2" in told[2][1]


async def test_hr_sees_how_many_members_have_an_appeal_open_and_nothing_more(session_factory, telegram) -> None:
    from bot.i18n import create_i18n
    from bot.organizations.admin import service as admin_service
    from bot.organizations.invites import service as invites_service
    from bot.organizations.report import service as report_service
    from bot.organizations.report.presenter import report_text

    fake, _bot = telegram
    await _red(session_factory, fake, 1)
    await _red(session_factory, fake, 2)
    async with session_factory() as session:
        organization = await admin_service.create_organization(session, ADMIN, ADMINS, "Uni", "大学", at(1))
        assert organization is not None
        await invites_service.join(session, 1, organization.invite_code)
    await _appeal(session_factory, 1)
    await _appeal(session_factory, 2)  # not a member: not counted
    async with session_factory() as session:
        report = await report_service.report(session, ADMIN, ADMINS, organization.id, at(2), ZONE)
    assert report is not None and report.appeals_open == 1
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("en"):
        text = report_text(report, "en")
    assert "Appeals against a colour under review: 1" in text and "I was released" not in text


async def test_a_reviewer_of_an_organization_sees_and_decides_its_members_appeals_only(
    session_factory, telegram
) -> None:
    from bot.organizations.admin import service as admin_service
    from bot.organizations.invites import service as invites_service

    fake, _bot = telegram
    await _red(session_factory, fake, 1)
    await _red(session_factory, fake, 2)
    async with session_factory() as session:
        organization = await admin_service.create_organization(session, ADMIN, ADMINS, "Uni", "大学", at(1))
        assert organization is not None
        await invites_service.join(session, 1, organization.invite_code)
    async with session_factory() as session:
        change = await admin_service.change_hr(
            session, ADMIN, ADMINS, organization.id, REVIEWER, True, at(1), role="reviewer"
        )
    assert change.outcome is admin_service.HrOutcome.DONE
    outsider = await _appeal(session_factory, 2)  # due first: made first
    member = await _appeal(session_factory, 1)
    async with session_factory() as session:
        item = await service.queue_item(session, REVIEWER, ADMINS, None, at(2), ZONE)
    assert item is not None and item.appeal.id == member.id and item.open_count == 1 and not item.has_next
    async with session_factory() as session:
        with pytest.raises(service.NotAllowed):
            await service.grant(session, REVIEWER, ADMINS, outsider.id, 7, at(3), ZONE, Words())
        await service.grant(session, REVIEWER, ADMINS, member.id, 7, at(3), ZONE, Words())
    async with session_factory() as session:
        states = dict((await session.execute(select(Appeal.id, Appeal.state))).all())
    assert states == {outsider.id: "open", member.id: "granted"}
