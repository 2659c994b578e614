"""A family member in an organization (a child in a school): joined through the invite the parent opened;
HR's reminders reach the parent's chat naming the member, never a chat of the member's own id."""

from __future__ import annotations

from sqlalchemy import select

from bot.broadcast.service import Audience, start_broadcast
from bot.db.models import Organization, User
from bot.family.service import Relation, add_member
from bot.organizations.keyboards import JoinFor, MemberList
from bot.organizations.service import ListKind
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeUser
from tests.inprocess import NOW, Harness, texts
from tests.stories import ZONE, answers, send_notices, told

PARENT = FakeUser(id=8501, first_name="Lin", language_code="en")
OTHER = FakeUser(id=8502, first_name="Mallory", language_code="en")


async def _setup(harness: Harness) -> int:
    async with harness.sessions.begin() as session:
        session.add(
            Organization(id=5, name_en="Acme", name_zh="艾克米", invite_code="acme-code", created_by=1, created_at=NOW)
        )
    await harness.add_account(PARENT)
    async with harness.sessions() as session:
        await submit_declaration(session, PARENT.id, answers(full_name="Lin Chen"), NOW, ZONE)
    async with harness.sessions() as session:
        added = await add_member(session, PARENT.id, Relation.CHILD, answers(full_name="Mia Chen"), NOW, ZONE)
    return added.member.id


async def _organizations(harness: Harness) -> dict[int, int | None]:
    async with harness.sessions() as session:
        return {row[0]: row[1] for row in await session.execute(select(User.id, User.organization_id))}


async def test_the_parent_opens_the_invite_for_the_child_and_hr_reminders_reach_the_parent(harness: Harness) -> None:
    child = await _setup(harness)
    offered = await harness.send(PARENT, "/start join-acme-code")
    assert "Join <b>Acme</b>?" in texts(offered)[0]
    message = offered[-1].result
    joined = await harness.feed(
        await harness.fake.press_button(PARENT, message, harness.fake.find_button(message, "Mia Chen joins"))
    )
    assert texts(joined) == ["Mia Chen is now a member of <b>Acme</b>."]
    assert await _organizations(harness) == {PARENT.id: None, child: 5}

    async with harness.sessions() as session:
        await start_broadcast(
            session,
            organization_id=5,
            created_by=None,
            audience=Audience.EVERYONE,
            text="Please check in today.",
            now=NOW,
            recipients=User.organization_id == 5,
        )
    mark = harness.fake.mark()
    await send_notices(harness.sessions, harness.bot)
    [reminder] = [call for call in harness.fake.calls[mark:] if call.method == "sendMessage"]
    assert int(reminder.params["chat_id"]) == PARENT.id
    assert reminder.params["text"].startswith("👤 <b>Mia Chen</b>\n")
    assert "reply_markup" not in reminder.params, "a Check in button would check in the parent, not the child"
    assert told(harness.fake, child) == []


async def test_someone_elses_member_cannot_be_joined(harness: Harness) -> None:
    child = await _setup(harness)
    await harness.add_account(OTHER)
    for data in (JoinFor(invite="acme-code", member=child).pack(), JoinFor(invite="acme-code", member=-3).pack()):
        calls = await harness.press(OTHER, data)
        assert texts(calls, "answerCallbackQuery") == ["That button belongs to an earlier message."]
        assert texts(calls) == []
    assert (await _organizations(harness))[child] is None


def test_a_members_id_can_end_a_page_of_hrs_list() -> None:
    """HR's list pages by a cursor of holder ids: a family member's (negative) must parse there too."""
    data = MemberList(org=5, kind=ListKind.NOT_GREEN, page=1, nav=1, after=-123456).pack()
    assert MemberList.unpack(data).after == -123456
