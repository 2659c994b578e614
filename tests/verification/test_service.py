"""Verification's use cases on both databases: the colour as of today, the log, and checkpoint temperatures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.accounts import Account
from bot.codes.service import CodeSettings, current_code
from bot.db.models import Assessment, AuditEntry, CheckIn, Declaration, Role, User, Verification
from bot.domain.tokens import issue_token, key_from_secret
from bot.status.service import reassess
from bot.verification import service
from bot.verification.service import Card, Recorded, Throttled, Verdict
from bot.verification.throttle import FailureThrottle

ZONE = ZoneInfo("Asia/Shanghai")
KEY = key_from_secret("service-test-secret")
SETTINGS = CodeSettings(bot_username="test_bot", keys=(KEY,))
DAY_0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZONE)
HOLDER = 501
PUBLIC_ID = 987_654_321
STAFF = 777
ANSWERS = {
    "full_name": "Jane <Doe> & Co",
    "nationality": "GB",
    "id_type": "passport",
    "id_number": "E12345678",
    "phone": "+8613800138000",
    "district": "yinzhou",
    "address": "199 Taikang East Road",
    "in_ningbo": True,
    "places": [],
    "contacts": [],
    "own_status": "none",
    "temperature_c": 36.6,
}


def day(number: int, hour: int = 9) -> datetime:
    return DAY_0 + timedelta(days=number, hours=hour - 9)


async def _holder_with_a_cough(session: AsyncSession) -> None:
    """Declared with a cough on day 0 (yellow for 7 days of normal check-ins), normal check-ins on days 1..7."""
    session.add(User(id=HOLDER, public_id=PUBLIC_ID, language="zh", privacy_accepted_at=DAY_0, created_at=DAY_0))
    session.add(Role(user_id=STAFF, role="staff", granted_by=0, granted_at=DAY_0))
    await session.flush()
    answers = {**ANSWERS, "symptoms": ["cough"], "declared_on": day(0).date().isoformat()}
    declaration = Declaration(user_id=HOLDER, answers=answers, declared_at=day(0))
    session.add(declaration)
    await session.flush()
    session.add(
        CheckIn(
            user_id=HOLDER,
            day=day(0).date(),
            temperature_c=36.6,
            symptoms=["cough"],
            declaration_id=declaration.id,
            reported_at=day(0),
        )
    )
    await session.flush()
    await reassess(session, HOLDER, day(0), ZONE, cause="declaration", declaration_id=declaration.id)
    for number in range(1, 8):
        session.add(
            CheckIn(
                user_id=HOLDER,
                day=day(number).date(),
                temperature_c=36.5,
                symptoms=[],
                declaration_id=None,
                reported_at=day(number),
            )
        )
        await session.flush()
        await reassess(session, HOLDER, day(number), ZONE, cause="checkin")
    await session.commit()


async def _code(sessions: async_sessionmaker[AsyncSession], now: datetime) -> str:
    """The token of the code the holder is shown at `now` (issued then)."""
    async with sessions() as session:
        shown = await current_code(session, Account(HOLDER, PUBLIC_ID, "zh"), "zh", now, ZONE, SETTINGS)
    assert shown is not None
    return shown.code.token


async def _verify(
    sessions: async_sessionmaker[AsyncSession], token: str, now: datetime, throttle: FailureThrottle | None = None
) -> Card:
    async with sessions() as session:
        card = await service.verify(session, STAFF, (), token, now, ZONE, (KEY,), throttle or FailureThrottle())
    assert isinstance(card, Card)
    return card


async def test_the_same_day_the_code_verifies_with_its_colour_and_only_what_a_checkpoint_needs(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await _holder_with_a_cough(session)
    token = await _code(session_factory, day(7, 8))
    card = await _verify(session_factory, token, day(7, 10))
    assert card.verdict is Verdict.VALID
    assert card.holder is not None
    assert (card.holder.name, card.holder.id_last4, card.holder.colour) == ("Jane <Doe> & Co", "5678", "yellow")
    assert card.holder.last_checkin == day(7).date()
    assert card.valid_until == day(8, 8).astimezone(UTC)
    async with session_factory() as session:
        [row] = await session.scalars(select(Verification))
    assert (row.staff_id, row.holder_id, row.valid, row.reason, row.colour) == (STAFF, HOLDER, True, "ok", "yellow")
    assert row.token_issued_at == day(7, 8)


async def test_a_day_that_changed_the_colour_counts_even_before_the_daily_run(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Yesterday's yellow image, today green (7 normal days passed): the card shows green, and says the image is old."""
    async with session_factory() as session:
        await _holder_with_a_cough(session)
    token = await _code(session_factory, day(7, 20))
    card = await _verify(session_factory, token, day(8, 8))
    assert card.verdict is Verdict.COLOUR_CHANGED
    assert card.shown_colour == "yellow"
    assert card.holder is not None and card.holder.colour == "green"
    async with session_factory() as session:
        latest = await session.scalar(select(Assessment).order_by(Assessment.id.desc()).limit(1))
    assert latest is not None and (latest.colour, latest.cause) == ("green", "daily")
    assert latest.notified_at is None, "left for the daily run to tell the person"


async def test_a_holder_who_deleted_their_data_is_named_by_no_one(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await _holder_with_a_cough(session)
    stranger = issue_token(PUBLIC_ID + 1, int(day(7).timestamp()), int(day(8).timestamp()), KEY)
    card = await _verify(session_factory, stranger, day(7, 10))
    assert (card.verdict, card.holder) == (Verdict.HOLDER_DELETED, None)
    async with session_factory() as session:
        [row] = await session.scalars(select(Verification))
    assert (row.holder_id, row.valid, row.reason, row.colour) == (None, False, "holder_deleted", None)


async def test_throttled_attempts_are_not_checked_and_audited_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await _holder_with_a_cough(session)
    throttle = FailureThrottle(limit=3, window=60)
    now = day(7, 10)
    for _ in range(3):
        assert (await _verify(session_factory, "forged", now, throttle)).verdict is Verdict.MALFORMED
    for _ in range(2):
        async with session_factory() as session:
            refused = await service.verify(session, STAFF, (), "forged", now, ZONE, (KEY,), throttle)
        assert refused == Throttled(60)
    async with session_factory() as session:
        audit = list(await session.scalars(select(AuditEntry)))
        checks = list(await session.scalars(select(Verification)))
    assert [(entry.action, entry.actor_id, entry.subject_id) for entry in audit] == [("verify_throttled", STAFF, None)]
    assert len(checks) == 3


async def test_a_checkpoint_temperature_by_whom_when_and_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await _holder_with_a_cough(session)
    token = await _code(session_factory, day(7, 8))
    card = await _verify(session_factory, token, day(7, 10))
    forged = await _verify(session_factory, token[:-2] + "AA", day(7, 10))

    async def press(
        staff: int, verification: int, fever: bool, now: datetime, admin_ids=()
    ) -> service.TemperatureResult:
        async with session_factory() as session:
            return await service.record_temperature(session, staff, admin_ids, verification, fever, now, ZONE)

    at = day(7, 10)
    assert (await press(STAFF, forged.verification_id, True, at)).outcome is Recorded.UNAVAILABLE
    assert (await press(42, card.verification_id, True, at, admin_ids={42})).outcome is Recorded.NOT_YOURS
    assert (await press(43, card.verification_id, True, at)).outcome is Recorded.NOT_ALLOWED
    assert (await press(STAFF, card.verification_id, True, at + timedelta(minutes=16))).outcome is Recorded.TOO_OLD
    result = await press(STAFF, card.verification_id, True, at + timedelta(minutes=1))
    assert result.outcome is Recorded.RECORDED
    assert (result.fever, result.holder_id, result.holder_language, result.colour) == (True, HOLDER, "zh", "yellow")
    assert (await press(STAFF, card.verification_id, True, at + timedelta(minutes=2))).outcome is Recorded.ALREADY
    assert (await press(42, card.verification_id, False, at + timedelta(minutes=2), {42})).outcome is Recorded.NOT_YOURS
    late = await press(STAFF, card.verification_id, False, at + timedelta(minutes=6, seconds=1))
    assert late.outcome is Recorded.TOO_LATE_TO_CHANGE, "a correction is refused after five minutes"
    async with session_factory() as session:
        row = await session.get(Verification, card.verification_id)
        denied = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "denied")))
    assert row is not None and row.temperature_c == service.FEVER_C
    assert [(entry.actor_id, entry.details) for entry in denied] == [(43, {"attempted": "checkpoint_temperature"})]


async def test_anyone_but_staff_learns_nothing_and_nothing_is_logged(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await _holder_with_a_cough(session)
    token = await _code(session_factory, day(7, 8))
    async with session_factory() as session:
        result = await service.verify(session, HOLDER, (), token, day(7, 10), ZONE, (KEY,), FailureThrottle())
        assert result == service.NotStaff(has_code=True), "someone with a code of their own is sent to /code"
        stranger = await service.verify(session, 9090, (), token, day(7, 10), ZONE, (KEY,), FailureThrottle())
        assert stranger is service.NOT_STAFF and not stranger.has_code
        assert list(await session.scalars(select(Verification))) == []
    async with session_factory() as session:
        admin = await service.verify(session, 4242, {4242}, token, day(7, 10), ZONE, (KEY,), FailureThrottle())
    assert isinstance(admin, Card) and admin.valid, "an administrator may do all staff can"


async def test_a_checkpoint_fever_is_no_check_in_in_code_status_or_hrs_report(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Green on day 8 and not checked in yet; staff record a fever: the code turns yellow, today still wants a check-in."""
    async with session_factory() as session:
        await _holder_with_a_cough(session)
    token = await _code(session_factory, day(8, 8))
    card = await _verify(session_factory, token, day(8, 10))
    assert card.holder is not None and card.holder.colour == "green"
    async with session_factory() as session:
        result = await service.record_temperature(session, STAFF, (), card.verification_id, True, day(8, 10), ZONE)
    assert (result.outcome, result.colour, result.checked_in_today) == (Recorded.RECORDED, "yellow", False)
    async with session_factory() as session:
        shown = await current_code(session, Account(HOLDER, PUBLIC_ID, "zh"), "zh", day(8, 11), ZONE, SETTINGS)
        holder = await session.get(User, HOLDER)
    assert shown is not None and shown.status.colour == "yellow"
    assert not shown.status.checked_in_today and shown.status.next_checkin_on == day(8).date()
    assert holder is not None and holder.last_checkin_on != day(8).date(), "HR's report reads this: no check-in"


async def test_a_fever_pressed_by_mistake_is_corrected_within_five_minutes_and_its_yellow_undone(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Green on day 8; staff press "fever" by mistake, then "change to normal": green again everywhere, and the
    day still wants the person's own check-in. Changing back to fever makes it yellow again."""
    async with session_factory() as session:
        await _holder_with_a_cough(session)
    token = await _code(session_factory, day(8, 8))
    card = await _verify(session_factory, token, day(8, 10))

    async def press(fever: bool, now: datetime) -> service.TemperatureResult:
        async with session_factory() as session:
            return await service.record_temperature(session, STAFF, (), card.verification_id, fever, now, ZONE)

    async def shown_colour(now: datetime) -> str:
        async with session_factory() as session:
            shown = await current_code(session, Account(HOLDER, PUBLIC_ID, "zh"), "zh", now, ZONE, SETTINGS)
        assert shown is not None
        return str(shown.status.colour)

    fever = await press(True, day(8, 10) + timedelta(minutes=1))
    assert (fever.outcome, fever.colour) == (Recorded.RECORDED, "yellow")
    assert await shown_colour(day(8, 10) + timedelta(minutes=2)) == "yellow"
    corrected = await press(False, day(8, 10) + timedelta(minutes=5))
    assert (corrected.outcome, corrected.fever, corrected.colour, corrected.colour_changed) == (
        Recorded.CHANGED,
        False,
        "green",
        True,
    )
    assert not corrected.checked_in_today
    assert await shown_colour(day(8, 10) + timedelta(minutes=6)) == "green"
    async with session_factory() as session:
        row = await session.get(Verification, card.verification_id)
        latest = await session.scalar(
            select(Assessment).where(Assessment.user_id == HOLDER).order_by(Assessment.id.desc()).limit(1)
        )
    assert row is not None and row.temperature_c == service.NORMAL_C
    assert latest is not None and (latest.colour, latest.reasons) == ("green", [])
    # The window counts from the latest press: back to fever three minutes after the correction.
    again = await press(True, day(8, 10) + timedelta(minutes=8))
    assert (again.outcome, again.colour) == (Recorded.CHANGED, "yellow")
    assert await shown_colour(day(8, 10) + timedelta(minutes=9)) == "yellow"
    too_late = await press(False, day(8, 10) + timedelta(minutes=14))
    assert too_late.outcome is Recorded.TOO_LATE_TO_CHANGE
    assert await shown_colour(day(8, 10) + timedelta(minutes=15)) == "yellow", "a refused correction changes nothing"
