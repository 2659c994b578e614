"""The warm "show my code" is the hot path of a morning peak: one statement for someone without family (beside the
update's deduplication), so a feature added beside it cannot quietly add a round trip to everyone's /code."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.family.service import Relation, add_member
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeUser
from tests.inprocess import NOW, Harness
from tests.statements import recorded_statements
from tests.stories import ZONE, answers

PERSON = FakeUser(id=8301, first_name="Ana", language_code="en")


async def _registered(harness: Harness) -> AsyncEngine:
    await harness.add_account(PERSON)
    async with harness.sessions() as session:
        await submit_declaration(session, PERSON.id, answers(), NOW, ZONE)
    await harness.send(PERSON, "/code")  # draws the picture and caches the account: what follows is warm
    engine = harness.sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return engine


async def test_a_warm_code_without_family_is_one_statement(harness: Harness) -> None:
    engine = await _registered(harness)
    with recorded_statements(engine) as seen:
        calls = await harness.send(PERSON, "/code")
    assert [call.method for call in calls] == ["sendPhoto"]
    assert len(_beside_deduplication(seen)) == 1, seen


async def test_a_family_s_code_reads_the_members_too(harness: Harness) -> None:
    engine = await _registered(harness)
    async with harness.sessions() as session:
        await add_member(session, PERSON.id, Relation.CHILD, answers(full_name="Mia Chen"), NOW, ZONE)
    with recorded_statements(engine) as seen:
        calls = await harness.send(PERSON, "/code")
    assert [call.method for call in calls][-1] == "sendMessage", "the family's codes one press away"
    assert len(_beside_deduplication(seen)) == 2, seen


def _beside_deduplication(seen: list[str]) -> list[str]:
    # Every update also records its id (webhook retries are handled once); that one is not the code's.
    return [statement for statement in seen if "handled_updates" not in statement]
