"""HR's lists, counts, CSV and reminders at any size: read from the person's row by keyset, never by loading
the organization, the same on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.broadcast.service import Audience
from bot.db.models import BroadcastRecipient, User
from bot.db.repositories.declarations import name_key
from bot.i18n import create_i18n
from bot.organizations.admin import service as admin_service
from bot.organizations.keyboards import MemberList, page_keyboard
from bot.organizations.reminders import service as reminders_service
from bot.organizations.report import service as report_service
from bot.organizations.report.service import MemberPage
from bot.organizations.service import PAGE_SIZE, ListKind

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 2)
NOW = datetime.combine(DAY, time(10), ZONE)
ADMIN = 1
ADMINS = frozenset({ADMIN})
# Every member lacks a check-in today except each third; names in mixed case, and the last five nameless.
COUNT = PAGE_SIZE * 2 + 7


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("en"):
        yield


def name_of(index: int) -> str | None:
    if index >= COUNT - 5:
        return None
    # Upper and lower case interleaved: "amy" must come before "Bob" as it did when Python sorted the list.
    return f"{'Person' if index % 2 else 'person'} {(index * 17) % 97:02}"


async def seed(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sessions() as session:
        mine = await admin_service.create_organization(session, ADMIN, ADMINS, "Uni", "大学", NOW)
    async with sessions() as session:
        other = await admin_service.create_organization(session, ADMIN, ADMINS, "Other", "别的", NOW)
    assert mine is not None and other is not None
    async with sessions.begin() as session:
        for index in range(COUNT):
            name = name_of(index)
            session.add(
                User(
                    id=1000 + index,
                    public_id=7000 + index,
                    language="en",
                    privacy_accepted_at=NOW,
                    created_at=NOW,
                    organization_id=mine.id,
                    display_name=name,
                    name_key=name_key(name),
                    colour=None if name is None else ("green" if index % 4 else "red"),
                    last_checkin_on=DAY if index % 3 == 0 else DAY - timedelta(days=1),
                    unreachable_since=NOW if index == 4 else None,
                )
            )
        session.add(
            User(id=99, public_id=99, language="en", privacy_accepted_at=NOW, created_at=NOW, organization_id=other.id)
        )
    return mine.id, other.id


def expected_order(kind: ListKind) -> list[int]:
    """The list as HR always saw it: by name, case aside, then the nameless; each by id."""
    chosen = [
        index
        for index in range(COUNT)
        if (index % 3 != 0 if kind is ListKind.NOT_CHECKED_IN else (name_of(index) is None or index % 4 == 0))
    ]
    named = sorted((i for i in chosen if name_of(i) is not None), key=lambda i: ((name_of(i) or "").casefold(), i))
    return [1000 + i for i in named + [i for i in chosen if name_of(i) is None]]


def button(page: MemberPage, text: str) -> MemberList:
    keyboard = page_keyboard(page)
    assert keyboard is not None
    for row in keyboard.inline_keyboard:
        for key in row:
            if text in key.text:
                assert key.callback_data is not None and len(key.callback_data.encode()) <= 64
                return MemberList.unpack(key.callback_data)
    raise AssertionError(f"no {text} button")


async def press(session: AsyncSession, organization_id: int, data: MemberList) -> MemberPage:
    page = await report_service.member_page(
        session,
        ADMIN,
        ADMINS,
        organization_id,
        ListKind(data.kind),
        data.page,
        NOW,
        ZONE,
        after=data.after or None,
        before=data.before or None,
    )
    assert page is not None
    return page


async def test_next_and_previous_walk_the_whole_list_in_name_order_by_keyset(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    organization_id, _other = await seed(session_factory)
    for kind in ListKind:
        expected = expected_order(kind)
        async with session_factory() as session:
            page = await report_service.member_page(session, ADMIN, ADMINS, organization_id, kind, 0, NOW, ZONE)
            assert page is not None and page.total == len(expected)
            pages = [page]
            while page.page < page.pages - 1:
                page = await press(session, organization_id, button(page, "Next"))
                pages.append(page)
            assert [p.page for p in pages] == list(range(page.pages))
            assert [m.user_id for p in pages for m in p.members] == expected, kind
            # Back from the last page, each page exactly as it was going forward.
            back = [page]
            while page.page > 0:
                page = await press(session, organization_id, button(page, "Previous"))
                back.append(page)
            assert [p.members for p in reversed(back)] == [p.members for p in pages]
            # A page beyond the end (an old button, a forged one) is the last page.
            last = await report_service.member_page(session, ADMIN, ADMINS, organization_id, kind, 999, NOW, ZONE)
            assert last is not None and (last.page, last.members) == (pages[-1].page, pages[-1].members)


async def test_a_cursor_that_left_the_organization_starts_the_list_again(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    organization_id, other = await seed(session_factory)
    async with session_factory() as session:
        first = await report_service.member_page(
            session, ADMIN, ADMINS, organization_id, ListKind.NOT_GREEN, 0, NOW, ZONE
        )
        assert first is not None
        # A member of another organization as the cursor: nothing of it shows; the first page does.
        forged = MemberList(org=organization_id, kind=ListKind.NOT_GREEN.value, page=1, nav=1, after=99)
        again = await press(session, organization_id, forged)
        assert (again.page, again.members) == (0, first.members)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()).lower())

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_report_pages_and_csv_read_the_members_rows_only(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """No histories (check-ins, assessments, declarations) are read: they grow with people × days."""
    organization_id, _other = await seed(session_factory)
    with statements(engine) as seen:
        async with session_factory() as session:
            report = await report_service.report(session, ADMIN, ADMINS, organization_id, NOW, ZONE)
            page = await report_service.member_page(
                session, ADMIN, ADMINS, organization_id, ListKind.NOT_CHECKED_IN, 999, NOW, ZONE
            )
            rows: list[report_service.Member] = []
            exported = await report_service.export_members(
                session, ADMIN, ADMINS, organization_id, NOW, ZONE, rows.extend
            )
    assert report is not None and page is not None and exported is not None
    assert (report.members, report.checked_in, report.unreachable) == (COUNT, -(-COUNT // 3), 1)
    assert (report.green, report.red, report.no_code) == (31, 11, 5)
    assert report.not_green == 16 == len(expected_order(ListKind.NOT_GREEN))
    assert exported.count == COUNT == len(rows)
    assert [m.user_id for m in rows if not m.checked_in_today] == expected_order(ListKind.NOT_CHECKED_IN)
    for history in ("checkins", "assessments", "declarations"):
        assert not [s for s in seen if f" {history}" in s], history


async def test_a_reminders_recipients_are_written_by_one_insert_select(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    organization_id, _other = await seed(session_factory)
    with statements(engine) as seen:
        async with session_factory() as session:
            job = await reminders_service.send_reminder(
                session,
                organization_id=organization_id,
                actor_id=ADMIN,
                audience=Audience.NOT_CHECKED_IN,
                text=None,
                now=NOW,
                zone=ZONE,
                progress_chat_id=ADMIN,
                progress_message_id=1,
            )
    writes = [s for s in seen if "broadcast_recipients" in s]
    assert len(writes) == 1 and writes[0].startswith("insert into broadcast_recipients") and " select " in writes[0]
    assert not [s for s in seen if s.startswith("select") and "from users" in s], "no ids read into Python"
    async with session_factory() as session:
        rows = list(
            await session.execute(
                select(BroadcastRecipient.user_id, BroadcastRecipient.state, BroadcastRecipient.done_at)
                .where(BroadcastRecipient.broadcast_id == job)
                .order_by(BroadcastRecipient.id)
            )
        )
    assert [user_id for user_id, _state, _done in rows] == sorted(expected_order(ListKind.NOT_CHECKED_IN))
    assert [(user_id, state, done) for user_id, state, done in rows if state != "pending"] == [(1004, "blocked", NOW)]


async def _export_peak(
    sessions: async_sessionmaker[AsyncSession], organization_id: int, kind: str = "csv"
) -> tuple[int, int]:
    """(rows written, peak bytes allocated) for HR's CSV or Excel file of the organization, member numbers and
    all, written as the handlers write them (the Excel one drawn in a thread)."""
    import asyncio
    import tracemalloc

    from bot.organizations import export
    from bot.organizations.report import presenter as report_presenter

    tracemalloc.start()
    try:
        if kind == "csv":
            row = report_presenter.csv_rows()
            with export.CsvFile(report_presenter.csv_headers(), in_memory=1 << 16) as sheet:
                async with sessions() as session:
                    exported = await report_service.export_members(
                        session,
                        ADMIN,
                        ADMINS,
                        organization_id,
                        NOW,
                        ZONE,
                        lambda batch: sheet.add_rows(map(row, batch)),
                    )
                _size, peak = tracemalloc.get_traced_memory()
        else:
            cells = report_presenter.xlsx_rows()
            with export.XlsxFile(
                report_presenter.csv_headers(), "Members", report_presenter.COLOUR_COLUMN, in_memory=1 << 16
            ) as book:
                async with sessions() as session:
                    exported = await report_service.export_members(
                        session,
                        ADMIN,
                        ADMINS,
                        organization_id,
                        NOW,
                        ZONE,
                        lambda batch: asyncio.to_thread(book.add_rows, map(cells, batch)),
                    )
                await asyncio.to_thread(book.finish)
                _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert exported is not None
    return exported.count, peak


# 15,000 members written and exported (the xlsx half a minute on a loaded machine): the whole suite's.
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_the_export_with_member_numbers_stays_flat_in_memory_as_the_organization_grows(
    session_factory: async_sessionmaker[AsyncSession], kind: str
) -> None:
    from sqlalchemy import insert

    async with session_factory() as session:
        small = await admin_service.create_organization(session, ADMIN, ADMINS, "Small", "小", NOW)
    async with session_factory() as session:
        large = await admin_service.create_organization(session, ADMIN, ADMINS, "Large", "大", NOW)
    assert small is not None and large is not None
    sizes = {small.id: 2_500, large.id: 12_500}
    async with session_factory.begin() as session:
        start = 100_000
        for organization_id, size in sizes.items():
            rows = [
                {
                    "id": start + index,
                    "public_id": start + index,
                    "language": "en",
                    "privacy_accepted_at": NOW,
                    "created_at": NOW,
                    "organization_id": organization_id,
                    "member_number": index + 1,
                    "display_name": f"Member {index}",  # unique: no table of strings may grow
                    "name_key": f"member {index}",
                    "colour": "green",
                }
                for index in range(size)
            ]
            await session.execute(insert(User), rows)
            start += size
    small_count, small_peak = await _export_peak(session_factory, small.id, kind)
    large_count, large_peak = await _export_peak(session_factory, large.id, kind)
    assert (small_count, large_count) == (2_500, 12_500)
    # Five times the members, about the same memory: a batch of rows and the in-memory part of the file.
    assert large_peak < small_peak * 1.5, (small_peak, large_peak)
