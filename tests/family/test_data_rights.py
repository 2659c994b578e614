"""/mydata includes the family members' data; /delete asks whether to delete one member or everything."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.db.models import Declaration, User
from bot.family.service import Relation, add_member
from bot.personal_data.handlers import DeleteMember
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import NOW, Harness, texts
from tests.stories import ZONE, answers

PARENT = FakeUser(id=8301, first_name="Lin", language_code="en")
OTHER = FakeUser(id=8302, first_name="Mallory", language_code="en")
STALE = "That button belongs to an earlier message."


async def _family(harness: Harness, user: FakeUser = PARENT) -> tuple[int, int]:
    await harness.add_account(user)
    async with harness.sessions() as session:
        await submit_declaration(session, user.id, answers(full_name="Lin Chen"), NOW, ZONE)
    ids = []
    for name, relation in (("Mia Chen", Relation.CHILD), ("Wei Chen", Relation.PARENT)):
        async with harness.sessions() as session:
            added = await add_member(session, user.id, relation, answers(full_name=name), NOW, ZONE)
        ids.append(added.member.id)
    return ids[0], ids[1]


async def _holders(harness: Harness) -> set[str | None]:
    async with harness.sessions() as session:
        return set(await session.scalars(select(User.display_name)))


def _documents(calls: list[RecordedCall]) -> list[RecordedCall]:
    return [call for call in calls if call.method == "sendDocument"]


async def test_mydata_includes_each_member(harness: Harness) -> None:
    await _family(harness)
    calls = await harness.send(PARENT, "/mydata")
    text_document, json_document = _documents(calls)
    readable = next(iter(text_document.files.values())).decode("utf-8")
    assert "Family member: Mia Chen" in readable and "Family member: Wei Chen" in readable
    assert "Relationship: Child" in readable and "Relationship: Parent" in readable
    document = json.loads(next(iter(json_document.files.values())))
    members = document["family_members"]
    assert [member["account"]["display_name"] for member in members] == ["Mia Chen", "Wei Chen"]
    assert all(member["declarations"] and member["code"] is None for member in members)


async def test_delete_one_member_or_everything(harness: Harness) -> None:
    child, _grandfather = await _family(harness)
    asked = await harness.send(PARENT, "/delete")
    confirmation = texts(asked)[0]
    assert "Your family members' data goes with it: Mia Chen; Wei Chen." in confirmation
    message = asked[-1].result
    assert harness.fake.find_button(message, "Delete only Mia Chen's data") == DeleteMember(member=child).pack()

    done = await harness.feed(
        await harness.fake.press_button(PARENT, message, harness.fake.find_button(message, "Delete only Mia Chen"))
    )
    assert texts(done) == ["Deleted: everything stored about Mia Chen. Their code no longer works."]
    assert await _holders(harness) == {"Lin Chen", "Wei Chen"}
    async with harness.sessions() as session:
        assert not await session.scalar(select(func.count()).where(Declaration.user_id == child))

    asked = await harness.send(PARENT, "/delete")
    message = asked[-1].result
    await harness.feed(
        await harness.fake.press_button(PARENT, message, harness.fake.find_button(message, "Delete everything"))
    )
    assert await _holders(harness) == set(), "the members go with the account"


async def test_another_accounts_member_cannot_be_deleted(harness: Harness) -> None:
    child, _grandfather = await _family(harness)
    await harness.add_account(OTHER)
    for data in (DeleteMember(member=child).pack(), DeleteMember(member=-5).pack(), f"delmem:{PARENT.id}"):
        calls = await harness.press(OTHER, data)
        assert texts(calls, "answerCallbackQuery") == [STALE]
        assert texts(calls) == []
    assert "Mia Chen" in await _holders(harness)
