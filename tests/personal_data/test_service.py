"""/mydata reads everything stored about a person; /delete erases all of it and nobody else's (SQLite and PostgreSQL).

Not while a health authority's decision about their code is in force: then nothing at all is erased.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.accounts import Accounts
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import Assessment, CheckIn, Code, Declaration, Organization, Override, Role, User
from bot.db.repositories.personal_data import ForeignKeysOff, PersonalDataRepository
from bot.domain.answers import Colour
from bot.domain.status import Override as Decision
from bot.personal_data import erasure, service

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 27)  # NOW's local day in ZONE
ADMIN = 9001
JANE, JOHN = 1001, 1002
TABLES = (User, Declaration, CheckIn, Assessment, Code)


async def _register(session: AsyncSession, user_id: int, declarations: int = 2) -> None:
    """A user with declarations, a check-in per declaration and one without, colour changes and a code."""
    session.add(User(id=user_id, public_id=user_id * 7, language="en", privacy_accepted_at=NOW, created_at=NOW))
    await session.flush()
    assessment = None
    for number in range(declarations):
        when = NOW + timedelta(days=number)
        declaration = Declaration(user_id=user_id, answers={"full_name": f"Person {user_id}"}, declared_at=when)
        session.add(declaration)
        await session.flush()
        session.add(
            CheckIn(
                user_id=user_id,
                day=when.date(),
                temperature_c=36.6,
                symptoms=[],
                declaration_id=declaration.id,
                reported_at=when,
            )
        )
        assessment = Assessment(
            user_id=user_id,
            declaration_id=declaration.id,
            cause="declaration",
            colour="green",
            reasons=[],
            other_reasons=[],
            period_days=0,
            starts_on=None,
            ends_on=None,
            next_step="show_code_and_temperature",
            clears_by_checkins=True,
            rules_version="test",
            assessed_at=when,
            notified_at=when,
        )
        session.add(assessment)
        await session.flush()
    session.add(
        CheckIn(
            user_id=user_id,
            day=date(2027, 1, 1),
            temperature_c=37.0,
            symptoms=["cough"],
            declaration_id=None,
            reported_at=NOW,
        )
    )
    assert assessment is not None
    session.add(
        Code(
            user_id=user_id,
            assessment_id=assessment.id,
            token=f"token-{user_id}",
            colour="green",
            language="en",
            issued_at=NOW,
            expires_at=NOW + timedelta(days=1),
            file_id=None,
            status={"colour": "green"},
        )
    )
    await session.commit()


async def _rows_of(session: AsyncSession, model, user_id: int) -> int:
    column = model.id if model is User else model.user_id
    return await session.scalar(select(func.count()).select_from(model).where(column == user_id))


def _state(user_id: int, storage: MemoryStorage) -> FSMContext:
    return FSMContext(storage=storage, key=StorageKey(bot_id=1, chat_id=user_id, user_id=user_id))


async def test_stored_data_reads_every_row_of_the_user_and_no_one_else(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await _register(session, JANE)
        await _register(session, JOHN, declarations=1)
    storage = MemoryStorage()
    state = _state(JANE, storage)
    await state.set_state("Registration:phone")
    await state.set_data({"answers": {"full_name": "Jane"}})

    async with session_factory() as session:
        data = await service.stored_data(session, state, JANE)
        assert not session.in_transaction(), "the read ends before the documents are sent"
    assert data.user is not None and data.user.id == JANE and not data.empty
    assert len(data.declarations) == 2 and all(row.user_id == JANE for row in data.declarations)
    assert [row.declared_at for row in data.declarations] == sorted(row.declared_at for row in data.declarations)
    assert len(data.checkins) == 3 and all(row.user_id == JANE for row in data.checkins)
    assert len(data.assessments) == 2 and all(row.user_id == JANE for row in data.assessments)
    assert data.code is not None and data.code.token == f"token-{JANE}"
    assert data.conversation == service.Conversation("Registration:phone", {"answers": {"full_name": "Jane"}})

    async with session_factory() as session:
        nobody = await service.stored_data(session, _state(999, storage), 999)
    assert nobody.user is None and nobody.empty


async def test_erasing_deletes_every_row_of_the_user_the_form_and_the_cached_account(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await _register(session, JANE)
        await _register(session, JOHN)
    accounts = Accounts()
    async with session_factory() as session:
        assert await accounts.get(session, JANE) is not None  # now cached
    storage = MemoryStorage()
    state = _state(JANE, storage)
    await state.set_state("Registration:id_number")
    await state.set_data({"answers": {"full_name": "Jane Doe", "id_type": "passport"}})

    async with session_factory() as session:
        erased = await service.erase_everything(session, state, accounts, JANE, NOW, ZONE)
    assert erased == service.Erased(account=True, conversation=True)

    async with session_factory() as session:
        for model in TABLES:
            assert await _rows_of(session, model, JANE) == 0, model.__tablename__
        # The other user keeps everything.
        assert [await _rows_of(session, model, JOHN) for model in TABLES] == [1, 2, 3, 2, 1]
        assert await accounts.get(session, JANE) is None, "the cached account is dropped"
    assert await state.get_state() is None and await state.get_data() == {}

    # Again, or by someone who never registered: nothing to erase, and no error.
    async with session_factory() as session:
        again = await service.erase_everything(session, state, accounts, JANE, NOW, ZONE)
    assert again == service.Erased(account=False, conversation=False) and not again.anything


@contextmanager
def _commits(engine: AsyncEngine) -> Iterator[list[object]]:
    """The commits made on `engine` while the block runs (a use case commits once)."""
    commits: list[object] = []

    def count(connection: object) -> None:
        commits.append(connection)

    event.listen(engine.sync_engine, "commit", count)
    try:
        yield commits
    finally:
        event.remove(engine.sync_engine, "commit", count)


async def test_erasing_commits_once(session_factory: async_sessionmaker[AsyncSession], engine: AsyncEngine) -> None:
    async with session_factory() as session:
        await _register(session, JANE)
    with _commits(engine) as commits:
        async with session_factory() as session:
            await service.erase_everything(session, _state(JANE, MemoryStorage()), Accounts(), JANE, NOW, ZONE)
    assert len(commits) == 1


async def test_without_sqlite_foreign_keys_nothing_is_deleted(database_url: str) -> None:
    """The cascade needs `PRAGMA foreign_keys=ON`; a connection without it must refuse, not leave orphans."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL always enforces foreign keys")
    engine = create_engine(database_url, pool_size=1)

    @event.listens_for(engine.sync_engine, "connect")
    def _foreign_keys_off(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()

    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            for model in reversed(TABLES):
                await session.execute(model.__table__.delete())
            await _register(session, JANE)
        async with sessions() as session:
            with pytest.raises(ForeignKeysOff):
                await PersonalDataRepository(session).delete_user(JANE)
            await session.rollback()
            assert await _rows_of(session, User, JANE) == 1
    finally:
        await engine.dispose()


# --- A health authority's decision keeps the data --------------------------------------------------


def test_only_a_decision_in_force_that_is_not_green_keeps_the_data() -> None:
    red = Decision(Colour.RED, "Confirmed case", starts_on=TODAY, ends_on=TODAY + timedelta(days=3))
    assert erasure.decision_keeping_data([red], TODAY) == red
    assert erasure.decision_keeping_data([red], TODAY + timedelta(days=2)) == red
    assert erasure.decision_keeping_data([red], TODAY + timedelta(days=3)) is None, "ends_on is the first day without"
    assert erasure.decision_keeping_data([red], TODAY - timedelta(days=1)) is None, "not yet begun"
    yellow = Decision(Colour.YELLOW, "Observation", starts_on=TODAY)
    assert erasure.decision_keeping_data([yellow], TODAY + timedelta(days=400)) == yellow, "until further notice"
    # A green decision releases: it keeps nothing back, even with an older red one still on record.
    green = Decision(Colour.GREEN, "Cleared", starts_on=TODAY)
    assert erasure.decision_keeping_data([green], TODAY) is None
    assert erasure.decision_keeping_data([Decision(Colour.RED, "Confirmed", TODAY), green], TODAY) is None
    assert erasure.decision_keeping_data([], TODAY) is None


async def _override(
    session: AsyncSession, user_id: int, colour: str, starts_on: date = TODAY, ends_on: date | None = None
) -> None:
    session.add(
        Override(
            user_id=user_id,
            colour=colour,
            reason="Confirmed case, Ningbo No.2 Hospital",
            starts_on=starts_on,
            ends_on=ends_on,
            set_by=ADMIN,
            set_at=NOW,
        )
    )
    await session.commit()


async def _all_rows_of(session: AsyncSession, user_id: int) -> list[int]:
    return [await _rows_of(session, model, user_id) for model in (*TABLES, Override)]


async def test_a_red_decision_in_force_refuses_the_erasure_and_nothing_is_erased(
    session_factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    async with session_factory() as session:
        await _register(session, JANE)
        await _override(session, JANE, "red")
        before = await _all_rows_of(session, JANE)
    accounts = Accounts()
    async with session_factory() as session:
        assert await accounts.get(session, JANE) is not None
    state = _state(JANE, MemoryStorage())
    await state.set_state("Registration:phone")

    async with session_factory() as session:
        preview = await service.erasure_preview(session, JANE, NOW, ZONE)
        assert not session.in_transaction()
    assert preview.kept_by is not None and preview.kept_by.colour == "red" and preview.kept_by.ends_on is None

    with _commits(engine) as commits:
        async with session_factory() as session:
            erased = await service.erase_everything(session, state, accounts, JANE, NOW, ZONE)
            assert not session.in_transaction(), "the row is let go"
    assert erased.kept_by == preview.kept_by and not erased.anything
    assert len(commits) == 1
    async with session_factory() as session:
        assert await _all_rows_of(session, JANE) == before, "nothing is erased"
        assert await _rows_of(session, Override, JANE) == 1, "the decision stays"
    assert await state.get_state() == "Registration:phone", "not even the form in progress"


async def test_a_decision_set_after_the_confirmation_still_refuses_the_erasure(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """The confirmation was shown before the override: the deletion itself checks again."""
    async with session_factory() as session:
        await _register(session, JANE)
    async with session_factory() as session:
        assert (await service.erasure_preview(session, JANE, NOW, ZONE)).kept_by is None
    async with session_factory() as session:
        await _override(session, JANE, "yellow", ends_on=TODAY + timedelta(days=14))
    async with session_factory() as session:
        erased = await service.erase_everything(session, _state(JANE, MemoryStorage()), Accounts(), JANE, NOW, ZONE)
    assert erased.kept_by is not None and erased.kept_by.ends_on == TODAY + timedelta(days=14)
    async with session_factory() as session:
        assert await _rows_of(session, User, JANE) == 1


async def test_a_green_decision_does_not_refuse_the_erasure(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as session:
        await _register(session, JANE)
        await _override(session, JANE, "red", starts_on=TODAY - timedelta(days=5), ends_on=TODAY)
        await _override(session, JANE, "green")
    async with session_factory() as session:
        assert (await service.erasure_preview(session, JANE, NOW, ZONE)).kept_by is None
    async with session_factory() as session:
        erased = await service.erase_everything(session, _state(JANE, MemoryStorage()), Accounts(), JANE, NOW, ZONE)
    assert erased == service.Erased(account=True, conversation=False)
    async with session_factory() as session:
        assert await _all_rows_of(session, JANE) == [0] * 6


async def test_the_erasure_is_allowed_from_the_local_day_the_decision_ends(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """`ends_on` is the first day without it, in the deployment's time zone (not UTC)."""
    ends_on = TODAY + timedelta(days=3)
    async with session_factory() as session:
        await _register(session, JANE)
        await _override(session, JANE, "red", ends_on=ends_on)
    # It ends on 30 November: the erasure is refused up to midnight in Ningbo, and allowed from then.
    last_evening = datetime(2026, 11, 29, 15, 59, tzinfo=UTC)  # 29 November, 23:59 in Ningbo
    first_morning = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)  # 30 November, 00:00 in Ningbo; still the 29th in UTC
    async with session_factory() as session:
        assert (await service.erasure_preview(session, JANE, last_evening, ZONE)).kept_by is not None
    async with session_factory() as session:
        assert (
            await service.erasure_preview(session, JANE, first_morning, UTC)
        ).kept_by is not None  # the day by UTC: still the 29th
    async with session_factory() as session:
        erased = await service.erase_everything(
            session, _state(JANE, MemoryStorage()), Accounts(), JANE, first_morning, ZONE
        )
    assert erased.account and erased.kept_by is None
    async with session_factory() as session:
        assert await _all_rows_of(session, JANE) == [0] * 6


async def test_the_preview_names_the_organization_and_the_roles_that_go_with_the_account(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await _register(session, JANE)
        await _register(session, JOHN)
        university = Organization(
            name_en="Ningbo University", name_zh="宁波大学", invite_code="uni", created_by=ADMIN, created_at=NOW
        )
        office = Organization(
            name_en="Port office", name_zh="港务处", invite_code="port", created_by=ADMIN, created_at=NOW
        )
        session.add_all([university, office])
        await session.flush()
        (await session.get(User, JANE)).organization_id = university.id
        session.add_all(
            [
                Role(user_id=JANE, role="staff", organization_id=None, granted_by=ADMIN, granted_at=NOW),
                Role(user_id=JANE, role="hr", organization_id=office.id, granted_by=ADMIN, granted_at=NOW),
                Role(user_id=JOHN, role="hr", organization_id=university.id, granted_by=ADMIN, granted_at=NOW),
            ]
        )
        await session.commit()

    async with session_factory() as session:
        jane = await service.erasure_preview(session, JANE, NOW, ZONE)
        john = await service.erasure_preview(session, JOHN, NOW, ZONE)
        nobody = await service.erasure_preview(session, 999, NOW, ZONE)
    assert jane == service.ErasurePreview(
        kept_by=None,
        organization=service.OrganizationName("Ningbo University", "宁波大学"),
        roles=(service.HeldRole("staff"), service.HeldRole("hr", service.OrganizationName("Port office", "港务处"))),
    )
    assert john.organization is None
    assert john.roles == (service.HeldRole("hr", service.OrganizationName("Ningbo University", "宁波大学")),)
    assert nobody == service.ErasurePreview()

    # And they do go: the membership with the account, the roles explicitly.
    async with session_factory() as session:
        await service.erase_everything(session, _state(JANE, MemoryStorage()), Accounts(), JANE, NOW, ZONE)
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Role).where(Role.user_id == JANE)) == 0
        assert await session.scalar(select(func.count()).select_from(Role).where(Role.user_id == JOHN)) == 1
