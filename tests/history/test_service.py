"""/history's reads on both databases: one person's rows only, a declaration's report folded into it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Assessment, CheckIn, Declaration, User
from bot.history.entries import CheckInEntry, ColourEntry, DeclarationEntry, MissedDayEntry, Turn
from bot.history.service import load_history

NOW = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")
ANSWERS = {
    "full_name": "Jane Doe",
    "id_number": "E12345678",
    "symptoms": ["cough"],
    "temperature_c": 37.1,
}


def _user(user_id: int) -> User:
    return User(id=user_id, public_id=user_id * 7, language="en", privacy_accepted_at=NOW, created_at=NOW)


def _assessment(user_id: int, when: datetime, colour: str, reasons: list[str], cause: str, **more) -> Assessment:
    return Assessment(
        user_id=user_id,
        declaration_id=more.pop("declaration_id", None),
        cause=cause,
        colour=colour,
        reasons=reasons,
        other_reasons=[],
        period_days=7 if colour == "yellow" else 0,
        starts_on=more.pop("starts_on", None),
        ends_on=None,
        next_step="show_code_and_temperature",
        clears_by_checkins=True,
        rules_version="test",
        assessed_at=when,
        notified_at=when,
    )


async def _story(session: AsyncSession, user_id: int) -> None:
    """Declared with a cough on day 0 (yellow), normal check-ins on days 1 and 2, green on day 8."""
    session.add(_user(user_id))
    await session.flush()
    declaration = Declaration(user_id=user_id, answers=ANSWERS, declared_at=NOW)
    session.add(declaration)
    await session.flush()
    session.add(
        CheckIn(
            user_id=user_id,
            day=date(2026, 3, 10),
            temperature_c=37.1,
            symptoms=["cough"],
            declaration_id=declaration.id,
            reported_at=NOW,
        )
    )
    for day in (1, 2):
        when = NOW + timedelta(days=day)
        session.add(
            CheckIn(
                user_id=user_id,
                day=date(2026, 3, 10 + day),
                temperature_c=36.6,
                symptoms=[],
                declaration_id=None,
                reported_at=when,
            )
        )
    session.add(
        _assessment(
            user_id,
            NOW,
            "yellow",
            ["symptom_cough"],
            "declaration",
            declaration_id=declaration.id,
            starts_on=date(2026, 3, 10),
        )
    )
    session.add(_assessment(user_id, NOW + timedelta(days=8), "green", [], "daily"))
    await session.commit()


async def test_a_history_is_the_persons_own_newest_first_and_ends_its_transaction(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await _story(session, 1)
        await _story(session, 2)
    async with session_factory() as session:
        history = await load_history(session, 1, NOW, ZONE)
        assert not session.in_transaction(), "no connection is held while the caller talks to Telegram"

    kinds = [(type(entry), entry.when) for entry in history.entries]
    assert kinds == [
        (ColourEntry, NOW + timedelta(days=8)),
        (CheckInEntry, NOW + timedelta(days=2)),
        (CheckInEntry, NOW + timedelta(days=1)),
        (ColourEntry, NOW),
        (DeclarationEntry, NOW),  # its own report is part of it, not a check-in of its own
    ]
    green, _second, _first, yellow, declared = history.entries
    assert isinstance(green, ColourEntry) and green.turn is Turn.EASED
    assert isinstance(yellow, ColourEntry) and (yellow.turn, yellow.reasons) == (Turn.SET, ("symptom_cough",))
    assert isinstance(declared, DeclarationEntry)
    assert (declared.temperature_c, declared.symptoms) == (37.1, ("cough",))


async def test_nobody_has_an_empty_history(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as session:
        session.add(_user(3))
        await session.commit()
        assert (await load_history(session, 3, NOW, ZONE)).entries == ()
        assert (await load_history(session, 404, NOW, ZONE)).entries == ()


async def test_a_day_without_a_check_in_that_restarted_the_count_is_in_the_history(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Yellow from a cough on 10 March, normal on the 11th and 13th: the 12th and 14th each started the count again."""
    async with session_factory() as session:
        session.add(_user(5))
        await session.flush()
        for day, temperature, symptoms in ((10, 37.1, ["cough"]), (11, 36.6, []), (13, 36.6, [])):
            session.add(
                CheckIn(
                    user_id=5,
                    day=date(2026, 3, day),
                    temperature_c=temperature,
                    symptoms=symptoms,
                    declaration_id=None,
                    reported_at=NOW + timedelta(days=day - 10),
                )
            )
        await session.commit()
    async with session_factory() as session:
        history = await load_history(session, 5, NOW + timedelta(days=5), ZONE)
        assert not session.in_transaction()
    missed = [entry for entry in history.entries if isinstance(entry, MissedDayEntry)]
    assert [entry.day for entry in missed] == [date(2026, 3, 14), date(2026, 3, 12)], "newest first; today not yet"
    assert missed[0].when == datetime(2026, 3, 15, tzinfo=ZONE)
    kinds = [type(entry).__name__ for entry in history.entries]
    assert kinds == ["MissedDayEntry", "CheckInEntry", "MissedDayEntry", "CheckInEntry", "CheckInEntry"]
