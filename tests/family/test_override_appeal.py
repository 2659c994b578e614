"""An administrator's /override of a family member, named by the code on the parent's phone or by
"<parent>/<name>", and a parent's /appeal of their child's colour; in both languages. A forged or someone
else's member id (in a button, a made-up name, a code not ours) changes nothing and reveals nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.appeals.keyboards import MemberAppeal, MemberAppealAction
from bot.appeals.service import AppealService, NotYours
from bot.db.models import Appeal, AuditEntry, Notice, Override
from bot.domain.tokens import issue_token, key_from_secret
from bot.family.service import Relation, add_member
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import ADMIN, NOW, Harness, texts
from tests.stories import ZONE, answers

PARENT = FakeUser(id=8501, first_name="Lin", username="lin_parent", language_code="en")
STRANGER = FakeUser(id=8502, first_name="Mallory", language_code="en")
STALE = "That button belongs to an earlier message."


async def _family(harness: Harness, language: str = "en", fever: bool = False) -> tuple[int, int]:
    """The parent (green) with a child, Mia Chen (feverish when `fever`); the child's id and public id."""
    await harness.add_account(PARENT, username="lin_parent", language=language)
    await harness.add_account(STRANGER, language=language)
    for user in (PARENT, STRANGER):
        async with harness.sessions() as session:
            await submit_declaration(session, user.id, answers(), NOW, ZONE)
    report = answers(full_name="Mia Chen", temperature_c=38.6) if fever else answers(full_name="Mia Chen")
    async with harness.sessions() as session:
        added = await add_member(session, PARENT.id, Relation.CHILD, report, NOW, ZONE)
    return added.member.id, added.member.public_id


async def _count(harness: Harness, model: type[object]) -> int:
    async with harness.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _notices(harness: Harness) -> list[tuple[int, str]]:
    async with harness.sessions() as session:
        return [(row.user_id, row.text) for row in await session.scalars(select(Notice).order_by(Notice.id))]


async def _press(harness: Harness, user: FakeUser, calls: list[RecordedCall], label: str) -> list[RecordedCall]:
    [*_, call] = [c for c in calls if c.method == "sendMessage" and label in str(c.params.get("reply_markup"))]
    message = call.result
    return await harness.feed(await harness.fake.press_button(user, message, harness.fake.find_button(message, label)))


async def test_an_admin_overrides_a_child_named_by_parent_and_name(harness: Harness) -> None:
    child, _public = await _family(harness)
    asked = await harness.send(ADMIN, "/override 8501/mia red until 2026-12-20 observation")
    [text] = texts(asked)
    assert text.startswith("Set <b>Mia Chen</b>, a family member of <code>8501</code> to")
    assert str(child) not in text, "a member's row id is never shown"
    done = await _press(harness, ADMIN, asked, "Quarantine ordered")
    assert "<b>Mia Chen</b>, a family member of <code>8501</code>" in texts(done)[-1]
    async with harness.sessions() as session:
        [override] = (await session.scalars(select(Override))).all()
    assert override.user_id == child and override.colour == "red"
    [(chat, notice)] = await _notices(harness)
    assert chat == PARENT.id and notice.startswith("👤 <b>Mia Chen</b>\n"), "told in the parent's chat, by name"

    # The same by the parent's @username and the full name in one word; then ended.
    asked = await harness.send(ADMIN, "/override @lin_parent/Mia_Chen end")
    assert "<b>Mia Chen</b>, a family member of <code>8501</code>" in texts(asked)[-1]
    async with harness.sessions() as session:
        [override] = (await session.scalars(select(Override))).all()
    assert override.ends_on is not None


async def test_an_admin_overrides_a_child_named_by_the_code_on_the_parents_phone(harness: Harness) -> None:
    child, public_id = await _family(harness)
    moment = int(NOW.timestamp())
    # Expired an hour ago: the code still names its holder, its signature being ours.
    token = issue_token(public_id, moment - 7200, moment - 3600, key_from_secret("test secret"))
    asked = await harness.send(ADMIN, f"/override https://t.me/health_code_test_bot?start={token} yellow")
    assert texts(asked)[-1].startswith("Set <b>Mia Chen</b>, a family member of <code>8501</code> to")
    await _press(harness, ADMIN, asked, "Close contact")
    async with harness.sessions() as session:
        assert (await session.scalars(select(Override.user_id))).all() == [child]

    forged = issue_token(public_id, moment, moment + 3600, key_from_secret("someone else's secret"))
    [answer] = texts(await harness.send(ADMIN, f"/override {forged} green"))
    assert answer == "That code was not issued by this bot, or its holder has deleted their data."
    assert await _count(harness, Override) == 1


async def test_a_made_up_member_or_someone_elses_changes_nothing(harness: Harness) -> None:
    await _family(harness)
    [nobody] = texts(await harness.send(ADMIN, "/override 8501/Nobody red"))
    [not_his] = texts(await harness.send(ADMIN, "/override 8502/Mia red"))
    [unknown] = texts(await harness.send(ADMIN, "/override 9999/Mia red"))
    assert nobody == "8501 has no family member called Nobody, or is not someone I know."
    assert not_his == "8502 has no family member called Mia, or is not someone I know."
    assert unknown == "9999 has no family member called Mia, or is not someone I know.", "no parent: the same words"
    [refused] = texts(await harness.send(PARENT, "/override 8501/Mia green"))
    assert refused == "Only administrators can do that."
    assert await _count(harness, Override) == 0 and await _notices(harness) == []


async def test_override_of_a_member_in_chinese(harness: Harness) -> None:
    await harness.add_account(ADMIN, language="zh")
    await _family(harness)
    asked = await harness.send(ADMIN, "/override 8501/Mia red")
    assert texts(asked)[-1].startswith("将<code>8501</code>的家人<b>Mia Chen</b>")
    [nobody] = texts(await harness.send(ADMIN, "/override 8501/Nobody red"))
    assert nobody == "8501没有名叫Nobody的家人，或我不认识此人。"


async def test_a_parent_appeals_their_childs_colour_and_is_told_of_the_decision(harness: Harness) -> None:
    child, _public = await _family(harness, fever=True)
    asked = await harness.send(PARENT, "/appeal")
    assert texts(asked) == ["<b>Appeal</b>\nWhose colour do you want to appeal?"]
    calls = await _press(harness, PARENT, asked, "The colour of Mia Chen")
    assert texts(calls)[-1].startswith("<b>Appeal for Mia Chen</b>\nWhich reason for their colour")
    calls = await _press(harness, PARENT, calls, "37.3")
    assert "Write why" in texts(calls)[-1]
    calls = await harness.send(PARENT, "Her fever was from a vaccine, measured again at 36.6")
    calls = await _press(harness, PARENT, calls, "No photo")
    calls = await _press(harness, PARENT, calls, "Send the appeal")
    assert texts(calls, "editMessageText")[-1].startswith("The appeal for Mia Chen was sent.")
    async with harness.sessions() as session:
        [appeal] = (await session.scalars(select(Appeal))).all()
        [audit] = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "appeal"))).all()
    assert appeal.user_id == child and appeal.state == "open"
    assert audit.actor_id == PARENT.id and audit.subject_id == child, "the parent made it, about the child"

    # The parent's own /appeal still asks whose; the child's open appeal is shown with its own withdraw button.
    again = await _press(harness, PARENT, await harness.send(PARENT, "/appeal"), "The colour of Mia Chen")
    assert texts(again)[-1].startswith("👤 <b>Mia Chen</b>\nYour appeal of")

    card = await harness.send(ADMIN, "/appeals")
    assert "Mia" not in texts(card)[-1], "reviewers never see a name"
    calls = await _press(harness, ADMIN, card, "Grant")
    await _press(harness, ADMIN, calls, "7 days")
    [(chat, notice)] = await _notices(harness)
    assert chat == PARENT.id and notice.startswith("👤 <b>Mia Chen</b>\n") and "was granted" in notice


async def test_someone_elses_member_cannot_be_appealed_or_withdrawn(harness: Harness) -> None:
    child, _public = await _family(harness, fever=True)
    start = MemberAppeal(action=MemberAppealAction.START, member=child).pack()
    calls = await harness.press(STRANGER, start)
    assert [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"] == [STALE]
    assert texts(calls) == [], "nothing about the child: no reasons, no colour"
    made_up = MemberAppeal(action=MemberAppealAction.START, member=-12345).pack()
    assert [c.params.get("text") for c in await harness.press(PARENT, made_up) if c.params.get("text") == STALE]

    # The child's appeal, open; a stranger's forged withdraw leaves it open.
    calls = await _press(harness, PARENT, await harness.send(PARENT, "/appeal"), "The colour of Mia Chen")
    calls = await _press(harness, PARENT, calls, "37.3")
    calls = await _press(harness, PARENT, await harness.send(PARENT, "It was a vaccine"), "No photo")
    await _press(harness, PARENT, calls, "Send the appeal")
    withdraw = MemberAppeal(action=MemberAppealAction.WITHDRAW, member=child).pack()
    calls = await harness.press(STRANGER, withdraw)
    assert [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"] == [STALE]
    async with harness.sessions() as session:
        assert (await session.scalars(select(Appeal.state))).all() == ["open"]
        service = AppealService(session, frozenset(), lambda: NOW, ZONE, 48)
        with pytest.raises(NotYours):
            await service.submit(STRANGER.id, "fever", "a forged holder in the form", None, holder_id=child)
        with pytest.raises(NotYours):
            await service.withdraw(STRANGER.id, holder_id=child)
    # The parent's own button withdraws it.
    calls = await harness.press(PARENT, withdraw)
    assert texts(calls, "editMessageText")[-1] == "👤 <b>Mia Chen</b>\nYour appeal was withdrawn."


async def test_a_parent_appeals_for_a_child_in_chinese(harness: Harness) -> None:
    await _family(harness, language="zh", fever=True)
    harness.now[0] = NOW + timedelta(hours=1)
    asked = await harness.send(PARENT, "/appeal")
    assert texts(asked) == ["<b>申诉</b>\n您要为谁的码色申诉？"]
    calls = await _press(harness, PARENT, asked, "Mia Chen的码色")
    assert texts(calls)[-1].startswith("<b>为Mia Chen申诉</b>")
