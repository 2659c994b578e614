"""Check in for a family member on the check-in flow: "Check in for Mia", the questions asked about her,
stored as hers; a forged or someone else's member id reveals nothing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.checkin.keyboards import CheckInFor
from bot.db.models import CheckIn
from bot.family.service import Relation, add_member
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import NOW, Harness, texts
from tests.stories import ZONE, answers

PARENT = FakeUser(id=8401, first_name="Lin", language_code="en")
OTHER = FakeUser(id=8402, first_name="Mallory", language_code="en")
STALE = "That button belongs to an earlier message."


async def _family(harness: Harness) -> int:
    await harness.add_account(PARENT)
    async with harness.sessions() as session:
        await submit_declaration(session, PARENT.id, answers(full_name="Lin Chen"), NOW, ZONE)
    async with harness.sessions() as session:
        added = await add_member(session, PARENT.id, Relation.CHILD, answers(full_name="Mia Chen"), NOW, ZONE)
    return added.member.id


async def _press(harness: Harness, user: FakeUser, calls: list[RecordedCall], label: str) -> list[RecordedCall]:
    [*_, call] = [c for c in calls if c.method == "sendMessage" and label in str(c.params.get("reply_markup"))]
    message = call.result
    return await harness.feed(await harness.fake.press_button(user, message, harness.fake.find_button(message, label)))


async def _days(harness: Harness, user_id: int) -> list[date]:
    async with harness.sessions() as session:
        return list(await session.scalars(select(CheckIn.day).where(CheckIn.user_id == user_id).order_by(CheckIn.day)))


async def test_a_parent_checks_in_for_their_child(harness: Harness) -> None:
    child = await _family(harness)
    harness.now[0] = NOW + timedelta(days=1)
    asked = await harness.send(PARENT, "/checkin")
    assert texts(asked)[-1] == "Or check in for a family member:"
    chosen = await _press(harness, PARENT, asked, "Check in for Mia Chen")
    assert texts(chosen)[0].startswith("<b>Daily check-in for Mia Chen</b>")
    assert "Has anything changed for Mia Chen since their last report" in texts(chosen)[0]
    calls = await _press(harness, PARENT, chosen, "Nothing changed")
    assert "Do they have any of these symptoms now?" in texts(calls)[-1]
    calls = await _press(harness, PARENT, calls, "No symptoms")
    assert "What is their body temperature now?" in texts(calls)[-1]
    done = await harness.send(PARENT, "38.2")
    [intro] = [text for text in texts(done) if text.startswith("The health code of Mia Chen:\n✅ Checked in for")]
    assert "Their colour is now:" in intro and "their temperature is 37.3" in intro, "words about the child"
    assert "your" not in intro.casefold() and " you " not in intro
    [photo] = [call for call in done if call.method == "sendPhoto"]
    assert int(photo.params["chat_id"]) == PARENT.id
    today = (NOW + timedelta(days=1)).astimezone(ZONE).date()
    assert await _days(harness, child) == [NOW.astimezone(ZONE).date(), today]
    assert await _days(harness, PARENT.id) == [NOW.astimezone(ZONE).date()], "the parent's own is not touched"


async def test_a_forged_check_in_for_someone_elses_member_changes_nothing(harness: Harness) -> None:
    child = await _family(harness)
    await harness.add_account(OTHER)
    async with harness.sessions() as session:
        await submit_declaration(session, OTHER.id, answers(full_name="Mal Lory"), NOW, ZONE)
    for data in (CheckInFor(member=child).pack(), CheckInFor(member=-9).pack(), f"chkfor:{PARENT.id}"):
        calls = await harness.press(OTHER, data)
        assert texts(calls, "answerCallbackQuery") == [STALE], data
        assert texts(calls) == []
    assert await _days(harness, child) == [NOW.astimezone(ZONE).date()]
