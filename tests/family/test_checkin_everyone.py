"""One check-in for the whole family ("Check in everyone"): the account first, then each member, symptoms and
temperature for each; a wrong answer is asked again and stores nothing; the end shows each one's colour.
A /cancel midway keeps the people already done (each stored when their last answer came, as a single
check-in is) and drops the one under way. The button carries no id: a stranger pressing it gets nothing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.checkin.keyboards import CheckInAnswer, CheckInCallback
from bot.db.models import CheckIn
from bot.family.service import Relation, add_member
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import NOW, Harness, texts
from tests.stories import ZONE, answers

PARENT = FakeUser(id=8601, first_name="Lin", language_code="en")
OTHER = FakeUser(id=8602, first_name="Mallory", language_code="en")
STALE = "That button belongs to an earlier message."
TODAY = (NOW + timedelta(days=1)).astimezone(ZONE).date()
FIRST = NOW.astimezone(ZONE).date()


async def _family(harness: Harness, language: str = "en") -> tuple[int, int]:
    await harness.add_account(PARENT, language=language)
    async with harness.sessions() as session:
        await submit_declaration(session, PARENT.id, answers(full_name="Lin Chen"), NOW, ZONE)
    ids = []
    for name in ("Mia Chen", "Bo Chen"):
        async with harness.sessions() as session:
            added = await add_member(session, PARENT.id, Relation.CHILD, answers(full_name=name), NOW, ZONE)
        ids.append(added.member.id)
    harness.now[0] = NOW + timedelta(days=1)
    return ids[0], ids[1]


async def _press(harness: Harness, user: FakeUser, calls: list[RecordedCall], label: str) -> list[RecordedCall]:
    [*_, call] = [c for c in calls if c.method == "sendMessage" and label in str(c.params.get("reply_markup"))]
    message = call.result
    return await harness.feed(await harness.fake.press_button(user, message, harness.fake.find_button(message, label)))


async def _days(harness: Harness, user_id: int) -> list[date]:
    async with harness.sessions() as session:
        return list(await session.scalars(select(CheckIn.day).where(CheckIn.user_id == user_id).order_by(CheckIn.day)))


async def _one(
    harness: Harness, calls: list[RecordedCall], temperature: str, none: str = "No symptoms"
) -> list[RecordedCall]:
    calls = await _press(harness, PARENT, calls, none)
    return await harness.send(PARENT, temperature)


async def test_a_parent_checks_in_everyone_in_turn_and_sees_each_colour(harness: Harness) -> None:
    mia, bo = await _family(harness)
    asked = await harness.send(PARENT, "/checkin")
    calls = await _press(harness, PARENT, asked, "Check in everyone")
    assert texts(calls)[0] == "<b>Daily check-in</b>"
    assert "Do you have any of these symptoms now?" in texts(calls)[-1]
    calls = await _press(harness, PARENT, calls, "No symptoms")
    wrong = await harness.send(PARENT, "45")
    assert "What is your body temperature now?" in texts(wrong)[-1], "asked again"
    assert await _days(harness, PARENT.id) == [FIRST], "nothing stored on a wrong answer"
    calls = await harness.send(PARENT, "36.5")
    assert await _days(harness, PARENT.id) == [FIRST, TODAY]
    # The members in the order /family lists them.
    assert texts(calls)[0] == "<b>Daily check-in for Bo Chen</b>"
    assert "Do they have any of these symptoms now?" in texts(calls)[-1]
    calls = await _one(harness, calls, "38.4")
    assert texts(calls)[0] == "<b>Daily check-in for Mia Chen</b>"
    calls = await _one(harness, calls, "36.6")
    [summary] = texts(calls)
    lines = summary.split("\n")
    assert lines[0] == "<b>Family check-in done</b>"
    assert lines[1].startswith("You: ") and "GREEN" in lines[1]
    assert lines[2].startswith("Bo Chen: ") and "GREEN" not in lines[2], "the fever shows in his colour"
    assert lines[3].startswith("Mia Chen: ") and "GREEN" in lines[3]
    assert await _days(harness, mia) == [FIRST, TODAY] and await _days(harness, bo) == [FIRST, TODAY]


async def test_cancel_midway_keeps_those_done_and_drops_the_one_under_way(harness: Harness) -> None:
    mia, bo = await _family(harness)
    calls = await _press(harness, PARENT, await harness.send(PARENT, "/checkin"), "Check in everyone")
    calls = await _one(harness, calls, "36.5")
    calls = await _press(harness, PARENT, calls, "No symptoms")
    await harness.send(PARENT, "/cancel")
    assert await _days(harness, PARENT.id) == [FIRST, TODAY]
    assert await _days(harness, mia) == [FIRST] and await _days(harness, bo) == [FIRST]
    assert await harness.send(PARENT, "36.6") and await _days(harness, mia) == [FIRST], "the form is over"


async def test_a_stranger_pressing_check_in_everyone_gets_nothing(harness: Harness) -> None:
    mia, _bo = await _family(harness)
    await harness.add_account(OTHER)
    async with harness.sessions() as session:
        await submit_declaration(session, OTHER.id, answers(full_name="Mal Lory"), NOW, ZONE)
    calls = await harness.press(OTHER, CheckInCallback(answer=CheckInAnswer.EVERYONE).pack())
    assert texts(calls, "answerCallbackQuery") == [STALE] and texts(calls) == []
    assert await _days(harness, OTHER.id) == [FIRST] and await _days(harness, mia) == [FIRST]


async def test_check_in_everyone_in_chinese(harness: Harness) -> None:
    await _family(harness, language="zh")
    asked = await harness.send(PARENT, "/checkin")
    calls = await _press(harness, PARENT, asked, "全家打卡")
    assert texts(calls)[0] == "<b>每日打卡</b>"
    calls = await _press(harness, PARENT, calls, "没有症状")
    calls = await harness.send(PARENT, "36.5")
    assert texts(calls)[0] == "<b>为Bo Chen每日打卡</b>"
    calls = await _one(harness, calls, "36.5", "没有症状")
    calls = await _one(harness, calls, "36.5", "没有症状")
    assert texts(calls)[0].startswith("<b>全家打卡完成</b>\n您：")
