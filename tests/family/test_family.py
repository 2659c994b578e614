"""/family through the whole dispatcher: a parent adds a child with the registration form asked about
them, sees the child's code in their own chat, and by name; another person's buttons find nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db.models import User
from bot.family.keyboards import AddMember, MemberCode, MemberRelation
from bot.family.presenter import name_in_code_request
from bot.family.service import MEMBER_LIMIT, Relation, add_member
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import NOW, Harness, texts
from tests.stories import ZONE, answers

PARENT = FakeUser(id=8101, first_name="Lin", language_code="en")
STRANGER = FakeUser(id=8102, first_name="Mallory", language_code="en")
STALE = "That button belongs to an earlier message."


async def _parent(harness: Harness, user: FakeUser = PARENT) -> None:
    await harness.add_account(user)
    async with harness.sessions() as session:
        await submit_declaration(session, user.id, answers(phone="+8613800138000"), NOW, ZONE)


def _last_with_buttons(calls: list[RecordedCall]) -> dict[str, Any]:
    [*_, call] = [c for c in calls if c.method == "sendMessage" and "inline_keyboard" in str(c.params)]
    return call.result


async def _press(harness: Harness, user: FakeUser, calls: list[RecordedCall], label: str) -> list[RecordedCall]:
    message = _last_with_buttons(calls)
    return await harness.feed(await harness.fake.press_button(user, message, harness.fake.find_button(message, label)))


async def _add_child(harness: Harness) -> list[RecordedCall]:
    """From /family to the child's first code, on a green path."""
    listed = await harness.send(PARENT, "/family")
    assert "No family members yet" in texts(listed)[0]
    asked = await _press(harness, PARENT, listed, "Add a family member")
    assert "Who is the family member to you?" in texts(asked)[0]
    form = await _press(harness, PARENT, asked, "Child")
    assert "What is their full name, as in their ID document?" in texts(form)[-1]
    calls = await harness.send(PARENT, "Mia Chen")
    assert "What is their nationality?" in texts(calls)[-1]
    calls = await harness.send(PARENT, "China")
    calls = await _press(harness, PARENT, calls, "Chinese resident ID card")
    calls = await harness.send(PARENT, "11010519491231002X")
    assert "In which district or county of Ningbo do they live?" in texts(calls)[-1], "the phone is the parent's"
    calls = await _press(harness, PARENT, calls, "Yinzhou")
    calls = await harness.send(PARENT, "199 Taikang East Road, building 3")
    assert "Are they in Ningbo now?" in texts(calls)[-1]
    assert "No, they are arriving later" in str(calls[-1].params["reply_markup"]), "the answers are about them too"
    calls = await _press(harness, PARENT, calls, "Yes, they are in Ningbo")
    assert "have they stayed in any of these?" in texts(calls)[-1]
    calls = await _press(harness, PARENT, calls, "None of these")
    calls = await _press(harness, PARENT, calls, "None of these")
    calls = await _press(harness, PARENT, calls, "None of these")
    calls = await _press(harness, PARENT, calls, "No symptoms")
    assert "What is their body temperature now?" in texts(calls)[-1]
    calls = await harness.send(PARENT, "36.6")
    summary = texts(calls)[-1]
    assert "Mia Chen" in summary and "+86 138 0013 8000" in summary, "the parent's phone by default"
    assert "Yes, they are in Ningbo" in summary
    return await _press(harness, PARENT, calls, "Submit")


async def test_a_parent_adds_a_child_who_gets_a_code_of_their_own(harness: Harness) -> None:
    await _parent(harness)
    submitted = await _add_child(harness)
    assert any("Saved. Here is the health code of Mia Chen." in text for text in texts(submitted))
    [photo] = [call for call in submitted if call.method == "sendPhoto"]
    assert int(photo.params["chat_id"]) == PARENT.id
    assert "reply_markup" not in photo.params, "no “Why this colour?”: it would answer the parent's own status"
    async with harness.sessions() as session:
        [child] = await session.scalars(select(User).where(User.managed_by == PARENT.id))
    assert (child.display_name, child.relation, child.colour) == ("Mia Chen", "child", "green")
    assert child.id < 0

    listed = texts(await harness.send(PARENT, "/family"))[0]
    assert "🟢 Mia Chen (Child)" in listed


async def test_the_code_by_button_and_by_name_is_re_sent_by_file_id(harness: Harness) -> None:
    await _parent(harness)
    submitted = await _add_child(harness)
    [first] = [call for call in submitted if call.method == "sendPhoto"]
    assert first.files, "the first code is drawn and uploaded"
    uploaded = first.result["photo"][-1]["file_id"]
    own = await harness.send(PARENT, "/code")
    photos = [call for call in own if call.method == "sendPhoto"]
    assert len(photos) == 1, "their own code first"
    assert "Your family members' codes:" in texts(own)[-1]
    by_button = await _press(harness, PARENT, own, "Show Mia Chen's code")
    [photo] = [call for call in by_button if call.method == "sendPhoto"]
    assert "The health code of Mia Chen:" in texts(by_button)
    assert photo.params["photo"] == uploaded, "unchanged: re-sent by file_id"

    again = await harness.send(PARENT, "show Mia's code")
    [photo] = [call for call in again if call.method == "sendPhoto"]
    assert photo.params["photo"] == uploaded
    unknown = texts(await harness.send(PARENT, "show Leo's code"))
    assert unknown == ["You have no family member called Leo. Choose one:"]


async def test_someone_elses_member_id_reveals_nothing(harness: Harness) -> None:
    await _parent(harness)
    await _add_child(harness)
    await _parent(harness, STRANGER)
    async with harness.sessions() as session:
        child = await session.scalar(select(User.id).where(User.managed_by == PARENT.id))
    assert child is not None
    for data in (MemberCode(member=child).pack(), MemberCode(member=-12345).pack(), f"famcode:{PARENT.id}"):
        calls = await harness.press(STRANGER, data)
        assert [call.method for call in calls if call.method in ("sendPhoto", "sendMessage")] == [], "nothing sent"
        assert texts(calls, "answerCallbackQuery") == [STALE], data
    assert texts(await harness.send(STRANGER, "show Mia Chen's code")) == [
        "You have no family member called Mia Chen. Send /family to add one."
    ]


async def test_the_limit_holds_at_the_relation_button(harness: Harness) -> None:
    await _parent(harness)
    for number in range(MEMBER_LIMIT):
        async with harness.sessions() as session:
            await add_member(session, PARENT.id, Relation.CHILD, answers(full_name=f"Kid {number}"), NOW, ZONE)
    listed = await harness.send(PARENT, "/family")
    assert "Add a family member" not in str(listed[-1].params)
    # An older "Add" or relation button, pressed once the limit is reached, starts nothing.
    for data in (AddMember().pack(), MemberRelation(relation=Relation.CHILD).pack()):
        calls = await harness.press(PARENT, data)
        assert "You already have 6 family members" in " ".join(texts(calls))


def test_only_a_short_name_before_s_code_is_a_request() -> None:
    assert name_in_code_request("show Mia's code") == "Mia"
    assert name_in_code_request("Mia Chen's health code please") == "Mia Chen"
    assert name_in_code_request("出示小明的健康码") == "小明"
    assert name_in_code_request("show my code") is None
    assert name_in_code_request("我的码") is None
    assert name_in_code_request("Please open the bot and show today's code.") is None


async def test_a_relation_button_mid_form_keeps_the_form_under_way(harness: Harness) -> None:
    await _parent(harness)
    await harness.send(PARENT, "/update")
    calls = await harness.press(PARENT, MemberRelation(relation=Relation.CHILD).pack())
    assert texts(calls) == ["Please finish these questions first, or send /cancel."]
    async with harness.sessions() as session:
        assert await session.scalar(select(User.id).where(User.managed_by == PARENT.id)) is None
