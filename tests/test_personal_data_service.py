"""/mydata reads everything stored about a person; /delete erases all of it and nobody else's (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.accounts import Accounts
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import Assessment, CheckIn, Code, Declaration, User
from bot.db.repositories.personal_data import ForeignKeysOff, PersonalDataRepository
from bot.personal_data import service

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
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
        erased = await service.erase_everything(session, state, accounts, JANE)
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
        again = await service.erase_everything(session, state, accounts, JANE)
    assert again == service.Erased(account=False, conversation=False) and not again.anything


async def test_erasing_commits_once(session_factory: async_sessionmaker[AsyncSession], engine: AsyncEngine) -> None:
    async with session_factory() as session:
        await _register(session, JANE)
    commits: list[object] = []

    def count(connection: object) -> None:
        commits.append(connection)

    event.listen(engine.sync_engine, "commit", count)
    try:
        async with session_factory() as session:
            await service.erase_everything(session, _state(JANE, MemoryStorage()), Accounts(), JANE)
    finally:
        event.remove(engine.sync_engine, "commit", count)
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
