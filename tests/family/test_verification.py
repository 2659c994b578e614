"""Staff scanning a family member's code: the member's name and colour, and a line that the code is held on
someone else's phone, never whose."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import Code
from bot.family.service import Relation, add_member
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeUser
from tests.inprocess import ADMIN, NOW, Harness, texts
from tests.stories import ZONE, answers

PARENT = FakeUser(id=8201, first_name="Lin", language_code="en")
ON_ANOTHER_PHONE = "A family member's code: it is held on someone else's phone."


async def test_staff_see_the_members_name_and_colour_and_not_whose_phone(harness: Harness) -> None:
    await harness.add_account(PARENT)
    async with harness.sessions() as session:
        await submit_declaration(session, PARENT.id, answers(full_name="Lin Chen", id_number="E98765432"), NOW, ZONE)
    async with harness.sessions() as session:
        added = await add_member(session, PARENT.id, Relation.CHILD, answers(full_name="Mia Chen"), NOW, ZONE)
    await harness.send(PARENT, f"show {added.member.name}'s code")
    await harness.send(PARENT, "/code")
    async with harness.sessions() as session:
        child_token = await session.scalar(select(Code.token).where(Code.user_id == added.member.id))
        own_token = await session.scalar(select(Code.token).where(Code.user_id == PARENT.id))
    assert child_token and own_token

    [card] = texts(await harness.send(ADMIN, f"/start {child_token}"))
    assert "PASS" in card and "GREEN CODE" in card and "Name: Mia Chen" in card
    assert ON_ANOTHER_PHONE in card
    assert "Lin" not in card and str(PARENT.id) not in card and "8765" not in card

    [own] = texts(await harness.send(ADMIN, f"/start {own_token}"))
    assert "Name: Lin Chen" in own and ON_ANOTHER_PHONE not in own
