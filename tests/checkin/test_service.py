"""The daily check-in use case: a second report on one day replaces the first, but cannot take a fever back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.checkin.service import CheckInResult, checkin_answers, record_checkin
from bot.db.models import CheckIn, User
from bot.domain.answers import Symptom
from bot.domain.assessment import Colour
from bot.registration.service import submit_declaration
from tests.stories import ZONE, answers, at

PERSON = 41


async def _registered_green(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        session.add(User(id=PERSON, public_id=PERSON * 31, language="en", privacy_accepted_at=at(1), created_at=at(1)))
    async with sessions() as session:
        result = await submit_declaration(session, PERSON, answers(), at(1), ZONE)
    assert result.row.colour == Colour.GREEN


async def _check_in(
    sessions: async_sessionmaker[AsyncSession],
    hour: int,
    temperature: float,
    symptoms: list[str] | None = None,
    **changed: object,
) -> CheckInResult:
    async with sessions() as session:
        carried = await checkin_answers(session, PERSON, at(2).date(), changed=False)
        assert carried is not None
        report = {**carried, "temperature_c": temperature, "symptoms": symptoms or [], **changed}
        return await record_checkin(session, PERSON, report, at(2, hour), ZONE)


async def _todays_record(sessions: async_sessionmaker[AsyncSession]) -> tuple[float, list[str]]:
    async with sessions() as session:
        row = (
            await session.scalars(select(CheckIn).where(CheckIn.user_id == PERSON, CheckIn.day == at(2).date()))
        ).one()
        return row.temperature_c, row.symptoms


async def test_a_normal_check_in_after_a_fever_the_same_day_keeps_the_fever_and_the_yellow_code(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await _registered_green(session_factory)
    fever = await _check_in(session_factory, 9, 38.2)
    assert fever.reassessed.row.colour == Colour.YELLOW and not fever.replaced

    again = await _check_in(session_factory, 10, 36.6)

    assert again.replaced and again.kept_earlier
    assert again.reassessed.row.colour == Colour.YELLOW
    assert await _todays_record(session_factory) == (38.2, [])


async def test_symptoms_stay_too_and_add_up_with_the_later_report(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await _registered_green(session_factory)
    await _check_in(session_factory, 9, 36.6, [str(Symptom.COUGH)])
    again = await _check_in(session_factory, 10, 37.5)

    assert again.kept_earlier and again.reassessed.row.colour == Colour.YELLOW
    assert await _todays_record(session_factory) == (37.5, [str(Symptom.COUGH)])


async def test_a_fever_stays_when_the_later_check_in_is_a_new_declaration(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await _registered_green(session_factory)
    await _check_in(session_factory, 9, 38.5)
    again = await _check_in(session_factory, 10, 36.6, address="12 Zhongshan West Road")

    assert again.declared and again.kept_earlier and again.reassessed.row.colour == Colour.YELLOW
    assert (await _todays_record(session_factory))[0] == 38.5


async def test_a_normal_report_replaces_a_normal_one_and_a_fever_replaces_a_normal_one(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await _registered_green(session_factory)
    await _check_in(session_factory, 9, 36.9)
    normal = await _check_in(session_factory, 10, 36.4)
    assert normal.replaced and not normal.kept_earlier
    assert await _todays_record(session_factory) == (36.4, [])

    fever = await _check_in(session_factory, 11, 38.0)
    assert not fever.kept_earlier and fever.reassessed.row.colour == Colour.YELLOW
    assert await _todays_record(session_factory) == (38.0, [])
