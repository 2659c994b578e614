"""Staff scanning a family member's code: the member's name and colour, and a line that the code is held on
someone else's phone, never whose."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import Code, Notice
from bot.family.service import Relation, add_member
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeUser, RecordedCall
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


async def _notices(harness: Harness) -> list[tuple[int, str, int | None]]:
    async with harness.sessions() as session:
        rows = await session.scalars(select(Notice).order_by(Notice.id))
        return [(row.user_id, row.kind, row.about_id) for row in rows]


async def _press(harness: Harness, calls: list[RecordedCall], label: str) -> list[RecordedCall]:
    [*_, call] = [c for c in calls if c.method == "sendMessage" and label in str(c.params.get("reply_markup"))]
    message = call.result
    return await harness.feed(await harness.fake.press_button(ADMIN, message, harness.fake.find_button(message, label)))


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_a_members_fever_corrected_before_it_was_sent_is_taken_back(harness: Harness, language: str) -> None:
    """The fever notice of a member waits in the parent's chat, marked with the member: a correction finds it
    and withdraws it, and says nothing; the parent's own fever notice of the same kind is left alone."""
    await harness.add_account(PARENT, language=language)
    async with harness.sessions() as session:
        await submit_declaration(session, PARENT.id, answers(full_name="Lin Chen", id_number="E98765432"), NOW, ZONE)
    async with harness.sessions() as session:
        added = await add_member(session, PARENT.id, Relation.CHILD, answers(full_name="Mia Chen"), NOW, ZONE)
    await harness.send(PARENT, "/code")
    await harness.send(PARENT, f"show {added.member.name}'s code")
    async with harness.sessions() as session:
        child_token = await session.scalar(select(Code.token).where(Code.user_id == added.member.id))
        own_token = await session.scalar(select(Code.token).where(Code.user_id == PARENT.id))

    own_card = await harness.send(ADMIN, f"/start {own_token}")
    await _press(harness, own_card, "Fever (37.3")
    card = await harness.send(ADMIN, f"/start {child_token}")
    await _press(harness, card, "Fever (37.3")
    assert await _notices(harness) == [(PARENT.id, "fever", None), (PARENT.id, "fever", added.member.id)]
    [(_chat, text)] = [(n.user_id, n.text) for n in await _texts(harness) if n.about_id == added.member.id]
    assert text.startswith("👤 <b>Mia Chen</b>\n")

    corrected = await harness.feed(
        await harness.fake.press_button(ADMIN, card[-1].result, harness.fake.find_button(card[-1].result, "Normal"))
    )
    assert corrected
    assert await _notices(harness) == [(PARENT.id, "fever", None)], "hers withdrawn, no correction; his kept"


async def _texts(harness: Harness) -> list[Notice]:
    async with harness.sessions() as session:
        return list(await session.scalars(select(Notice).order_by(Notice.id)))
