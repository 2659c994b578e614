"""The scanner's check reads the role, the holder and the staff member's day in one statement, and remembers a
checked initData: neither may let a revoked staff member through, nor count another's checks or yesterday's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import Role, Verification
from tests.inprocess import NOW
from tests.statements import recorded_statements
from tests.webapp.conftest import HOLDER, OTHER_STAFF, STAFF, WebApp, add_staff


async def _verifications(webapp: WebApp) -> int:
    async with webapp.harness.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Verification)) or 0)


@contextmanager
def _statements(webapp: WebApp) -> Iterator[list[str]]:
    engine = webapp.harness.sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    with recorded_statements(engine) as seen:
        yield seen


async def test_a_scan_is_one_read_and_the_log_rows_insert(webapp: WebApp) -> None:
    """A gate at full speed is bound by round trips: a feature added beside the check must not add one quietly."""
    token = await webapp.add_holder(HOLDER)
    await add_staff(webapp.harness.sessions, STAFF)
    with _statements(webapp) as seen:
        status, answer = await webapp.post("/app/api/verify", STAFF, code=token)
    assert (status, answer["verdict"], answer["checked_today"]) == (200, "pass", 1)
    assert len(seen) == 2, seen
    assert seen[1].lstrip().upper().startswith("INSERT INTO VERIFICATIONS"), seen


async def test_a_revoked_staff_member_is_refused_at_their_next_scan(webapp: WebApp) -> None:
    token = await webapp.add_holder(HOLDER)
    await add_staff(webapp.harness.sessions, STAFF)
    # The same initData for both scans, as the scanner page sends it: its signature is remembered, the role not.
    signed = webapp.signed(STAFF)
    status, answer = await webapp.post("/app/api/verify", None, init_data=signed, code=token)
    assert (status, answer["verdict"]) == (200, "pass")
    async with webapp.harness.sessions.begin() as session:
        await session.execute(delete(Role).where(Role.user_id == STAFF))
    status, answer = await webapp.post("/app/api/verify", None, init_data=signed, code=token)
    assert (status, answer) == (403, {"error": "forbidden"})
    assert await _verifications(webapp) == 1


async def test_the_counter_is_this_staff_members_checks_since_local_midnight(webapp: WebApp) -> None:
    token = await webapp.add_holder(HOLDER)
    for staff_id in (STAFF, OTHER_STAFF):
        await add_staff(webapp.harness.sessions, staff_id)
    for expected in (1, 2):
        status, answer = await webapp.post("/app/api/verify", STAFF, code=token)
        assert (status, answer["checked_today"]) == (200, expected)
    status, answer = await webapp.post("/app/api/verify", OTHER_STAFF, code=token)
    assert (status, answer["checked_today"]) == (200, 1)

    # Just past local midnight (the code is still within its 24 hours, made yesterday: its colour is
    # re-derived first, in a transaction of its own), the count starts again.
    zone = webapp.harness.dispatcher["zone"]
    tomorrow = NOW.astimezone(zone).date() + timedelta(days=1)
    webapp.harness.now[0] = datetime.combine(tomorrow, time(0, 5), zone)
    status, answer = await webapp.post("/app/api/verify", STAFF, code=token)
    assert (status, answer["checked_today"]) == (200, 1)
    assert answer["colour"] is not None
    assert await _verifications(webapp) == 4
