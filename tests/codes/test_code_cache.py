"""The process's cache of current codes (bot/codes/cache.py) never shows a colour that a write has changed.

Writers are not told about it: it watches every statement on the engine. So these tests write the ways the
bot's writers do (ORM rows, upserts, updates and deletes by holder or by another key, deletes by subquery,
raw SQL, a bare connection), each time checking that the next code shown is what an uncached read shows;
that a read overlapping an uncommitted write is not kept; and that several processes (Redis) run without it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from sqlalchemy import delete, event, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.accounts import Accounts
from bot.app import create_dispatcher
from bot.codes.cache import EVERYONE, CodeCache, written_holders
from bot.codes.service import CodeSettings, current_code, remember_file_id
from bot.config import Settings
from bot.db.models import Assessment, CheckIn, Code, Declaration, User
from bot.domain.tokens import key_from_secret
from bot.family.service import Relation, add_member
from bot.i18n import create_i18n
from bot.registration.service import submit_declaration
from bot.status.service import reassess
from tests.inprocess import NOW
from tests.stories import ZONE, answers

PERSON, OTHER = 8401, 8402
SETTINGS = CodeSettings(bot_username="test_bot", keys=(key_from_secret("test secret"),))
Sessions = async_sessionmaker[AsyncSession]


async def _shown(sessions: Sessions, cache: CodeCache | None, user_id: int) -> str:
    """The code /code shows now (drawn once: its file id stored, as after the first photo)."""
    async with sessions() as session:
        account = await Accounts(cache_size=0).get(session, user_id)
        assert account is not None
        shown = await current_code(session, account, "en", NOW, ZONE, SETTINGS, cache)
    assert shown is not None
    if shown.code.file_id is None:
        async with sessions() as session:
            await remember_file_id(session, user_id, shown.code.token, "file-id", "key")
    code = shown.code
    file_id = code.file_id or "file-id"
    return f"{code.colour} {shown.assessment.id} {code.token} {file_id} family={shown.has_family}"


async def _registered(sessions: Sessions, *people: int) -> None:
    async with sessions() as session:
        for user_id in people:
            session.add(
                User(id=user_id, public_id=90_000 + user_id, language="en", privacy_accepted_at=NOW, created_at=NOW)
            )
        await session.commit()
    for user_id in people:
        async with sessions() as session:
            await submit_declaration(session, user_id, answers(), NOW, ZONE)


async def _kept(sessions: Sessions, cache: CodeCache, user_id: int) -> str:
    # The first show draws the picture, the second reads it back and keeps it.
    for _ in range(2):
        shown = await _shown(sessions, cache, user_id)
    assert cache.get(user_id) is not None
    return shown


def _engine(sessions: Sessions) -> AsyncEngine:
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return engine


async def test_a_kept_code_is_shown_without_a_statement(session_factory: Sessions) -> None:
    engine = _engine(session_factory)
    cache = CodeCache().watch(engine)
    await _registered(session_factory, PERSON)
    before = await _kept(session_factory, cache, PERSON)
    seen: list[Any] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        assert await _shown(session_factory, cache, PERSON) == before
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    # (the test's own account lookup aside: the bot's is cached too)
    assert [statement for statement in seen if "codes" in statement or "assessments" in statement] == []


async def test_every_writer_of_colour_drops_the_kept_code(session_factory: Sessions) -> None:
    cache = CodeCache().watch(_engine(session_factory))
    await _registered(session_factory, PERSON, OTHER)

    async def fever(session: AsyncSession) -> None:  # a declaration or check-in: ORM rows and upserts
        await submit_declaration(session, PERSON, answers(temperature_c=38.6), NOW, ZONE)

    async def daily(session: AsyncSession) -> None:  # the daily job's re-evaluation, days later
        from datetime import timedelta

        await reassess(session, PERSON, NOW + timedelta(days=20), ZONE, cause="daily")
        await session.commit()

    async def family(session: AsyncSession) -> None:
        await add_member(session, PERSON, Relation.CHILD, answers(full_name="Mia Chen"), NOW, ZONE)

    async def member_deleted(session: AsyncSession) -> None:  # "has family" changes with nobody's id given
        await session.execute(delete(User).where(User.managed_by == PERSON))
        await session.commit()

    async def code_forgotten(session: AsyncSession) -> None:  # as a check-in does
        await session.execute(delete(Code).where(Code.user_id == PERSON))
        await session.commit()

    async def assessment_by_its_id(session: AsyncSession) -> None:  # an override or an appeal, by row id
        latest = await session.scalar(select(func.max(Assessment.id)).where(Assessment.user_id == PERSON))
        await session.execute(update(Assessment).where(Assessment.id == latest).values(colour="red"))
        await session.commit()

    async def raw_sql(session: AsyncSession) -> None:
        await session.execute(text("UPDATE codes SET colour = 'yellow'"))
        await session.commit()

    async def bare_connection(_session: AsyncSession) -> None:  # a job on a connection, not a session
        async with _engine(session_factory).begin() as connection:
            await connection.execute(delete(Code).where(Code.user_id.in_([PERSON, OTHER])))

    async def driver_sql(_session: AsyncSession) -> None:  # SQL handed to the driver as it is
        async with _engine(session_factory).begin() as connection:
            await connection.exec_driver_sql("UPDATE codes SET file_id = 'by hand'")

    writers: list[Callable[[AsyncSession], Awaitable[None]]] = [
        fever,
        daily,
        family,
        member_deleted,
        code_forgotten,
        assessment_by_its_id,
        raw_sql,
        bare_connection,
        driver_sql,
    ]
    for write in writers:
        await _kept(session_factory, cache, PERSON)
        async with session_factory() as session:
            await write(session)
        shown = await _shown(session_factory, cache, PERSON)
        assert shown == await _shown(session_factory, None, PERSON), write.__name__

    # The retention purge: deletes by subquery drop everyone's.
    await _kept(session_factory, cache, PERSON)
    async with session_factory() as session:
        mine = select(User.id).where(User.id == PERSON)
        await session.execute(delete(Declaration).where(Declaration.user_id.in_(mine)))
        await session.execute(delete(Assessment).where(Assessment.user_id.in_(mine)))
        await session.commit()
    assert cache.get(PERSON) is None


async def test_someone_else_s_writes_keep_the_code(session_factory: Sessions) -> None:
    cache = CodeCache().watch(_engine(session_factory))
    await _registered(session_factory, PERSON, OTHER)
    await _kept(session_factory, cache, PERSON)
    async with session_factory() as session:
        await submit_declaration(session, OTHER, answers(temperature_c=38.6), NOW, ZONE)
    assert cache.get(PERSON) is not None


async def test_a_read_during_an_uncommitted_write_is_not_kept(session_factory: Sessions) -> None:
    cache = CodeCache().watch(_engine(session_factory))
    await _registered(session_factory, PERSON)
    before = await _kept(session_factory, cache, PERSON)
    async with session_factory() as writer:
        # A family member added: "has family" changes.
        member = {"id": 8499, "public_id": 98_499, "language": "en", "created_at": NOW, "managed_by": PERSON}
        member["privacy_accepted_at"] = NOW
        await writer.execute(insert(User).values(**member))
        assert cache.get(PERSON) is None
        # The read sees the row as it was (the write is not committed) and must not keep it.
        assert await _shown(session_factory, cache, PERSON) == before
        assert cache.get(PERSON) is None
        await writer.commit()
    after = await _shown(session_factory, cache, PERSON)
    assert after != before
    assert after == await _shown(session_factory, None, PERSON)


def test_statements_name_the_holders_they_touch() -> None:
    assert written_holders(select(Code), []) == set()
    assert written_holders(insert(Assessment), [{"user_id": 3, "colour": "red"}, {"user_id": 4}]) == {3, 4}
    assert written_holders(insert(Code).values(user_id=5, colour="red"), []) == {5}
    assert written_holders(delete(Code).where(Code.user_id == 6), []) == {6}
    assert written_holders(update(Code).where(Code.user_id.in_([7, 8])).values(colour="red"), []) == {7, 8}
    # Only the drawn image's Telegram id: shown only under a matching image_key (presenter.cached_file_id).
    assert written_holders(update(Code).where(Code.user_id == 7).values(file_id="x", image_key="k"), []) == set()
    assert written_holders(update(Assessment).where(Assessment.id == 1).values(colour="red"), []) == {EVERYONE}
    assert written_holders(insert(User).values(id=9, managed_by=10), []) == {10}
    assert written_holders(insert(User).values(id=9), []) == set()
    assert written_holders(update(User).where(User.id == 9).values(colour="red"), []) == set()
    assert written_holders(update(User).where(User.id == 9).values(managed_by=None), []) == {EVERYONE}
    assert written_holders(delete(User).where(User.id == 9), []) == {EVERYONE}
    assert written_holders(delete(CheckIn).where(CheckIn.user_id == 9), []) == set()
    assert written_holders(text("DELETE FROM codes"), []) == {EVERYONE}
    assert written_holders("TRUNCATE users", []) == {EVERYONE}
    assert written_holders(text("SELECT 1"), []) == set()


def test_several_processes_run_without_it(session_factory: Sessions) -> None:
    """With Redis the bot runs as several processes: a process-local cache would miss the others' writes."""

    def dispatcher(redis_url: str | None) -> Any:
        return create_dispatcher(
            settings=Settings(timezone="Asia/Shanghai", redis_url=redis_url, _env_file=None),
            session_factory=session_factory,
            storage=MemoryStorage(),
            events_isolation=SimpleEventIsolation(),
            i18n=create_i18n(),
            code_settings=SETTINGS,
        )

    assert dispatcher(None).get("code_cache") is not None
    assert dispatcher("redis://127.0.0.1:6379/14").get("code_cache") is None
