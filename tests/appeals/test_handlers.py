"""Appeals through the whole dispatcher (in process, the fake Bot API): a person appeals a red code with a
photo, a reviewer works the queue and grants it, a forged decision from someone else is refused."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from bot.appeals import service
from bot.appeals.keyboards import AppealCallback, AppealReasonCallback, AppealStep, ReviewAction, ReviewCallback
from bot.db.models import Appeal, AuditEntry, Notice
from bot.db.repositories.roles import RoleRepository
from bot.domain.answers import OwnStatus
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeUser
from tests.inprocess import ADMIN, NOW, Harness, texts
from tests.stories import ZONE, answers

PERSON = FakeUser(id=51, first_name="Wei", language_code="zh")
REVIEWER = FakeUser(id=52, first_name="Rita", language_code="en")
STRANGER = FakeUser(id=53, first_name="Sam", language_code="en")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(buffer, format="PNG")
    return buffer.getvalue()


async def _red_person(harness: Harness) -> None:
    await harness.add_account(PERSON, language="en")
    async with harness.sessions() as session:
        await submit_declaration(session, PERSON.id, answers(own_status=OwnStatus.OBSERVATION), NOW, ZONE)


async def _appeal_with_photo(harness: Harness) -> None:
    asked = texts(await harness.send(PERSON, "/appeal"))
    assert "Which reason" in asked[-1]
    asked = texts(await harness.press(PERSON, AppealReasonCallback(index=0).pack()))
    assert "Write why" in asked[-1]
    assert "a little more" in texts(await harness.send(PERSON, "no"))[-1]
    assert "photo of a document" in texts(await harness.send(PERSON, "I was released on 25 Nov, see the paper"))[-1]
    summary = texts(await harness.feed(await harness.fake.send_photo(PERSON, _png())))[-1]
    assert "under medical observation" in summary and "Photo: attached" in summary
    calls = await harness.press(PERSON, AppealCallback(step=AppealStep.SUBMIT).pack())
    assert any("Your appeal was sent" in text for text in texts(calls, "editMessageText"))


async def test_a_person_appeals_and_sees_it_in_status_and_cannot_open_two(harness: Harness) -> None:
    await _red_person(harness)
    await _appeal_with_photo(harness)
    status = texts(await harness.send(PERSON, "/status"))[-1]
    assert "Your appeal of Nov 27 is being reviewed; answer due by" in status
    again = await harness.send(PERSON, "/appeal")
    assert "being reviewed" in texts(again)[-1]
    withdrawn = await harness.press(PERSON, AppealCallback(step=AppealStep.WITHDRAW).pack())
    assert any("withdrawn" in text for text in texts(withdrawn, "editMessageText"))
    async with harness.sessions() as session:
        assert list(await session.scalars(select(Appeal.state))) == ["withdrawn"]


async def test_a_reviewer_grants_from_the_queue_and_a_forged_button_is_refused(harness: Harness) -> None:
    await _red_person(harness)
    await harness.add_account(REVIEWER)
    await harness.add_account(STRANGER)
    async with harness.sessions.begin() as session:
        await RoleRepository(session).grant(REVIEWER.id, "reviewer", ADMIN.id, NOW)
    await _appeal_with_photo(harness)
    async with harness.sessions() as session:
        appeal_id = await session.scalar(select(Appeal.id))
    assert appeal_id is not None

    assert "Only reviewers" in texts(await harness.send(STRANGER, "/appeals"))[-1]
    grant = ReviewCallback(action=ReviewAction.DAYS, appeal=appeal_id, value=14).pack()
    forged = await harness.press(STRANGER, grant)
    assert [call.params.get("text") for call in forged if call.method == "answerCallbackQuery"] == [
        "Only reviewers of appeals can do that."
    ]

    calls = await harness.send(REVIEWER, "/appeals")
    assert [call.method for call in calls][:1] == ["sendPhoto"]
    card = texts(calls)[-1]
    assert "Appeal" in card and "under medical observation" in card and "I was released" in card
    # Nothing else of their answers: not their name, nor the ID document.
    assert "Jane" not in card and "Wei" not in card
    done = texts(await harness.press(REVIEWER, grant))[-1]
    assert done.startswith("Granted: green until")
    again = texts(await harness.press(REVIEWER, grant))[-1]
    assert "already decided" in again

    async with harness.sessions() as session:
        stored = await session.get(Appeal, appeal_id)
        notices = list(await session.scalars(select(Notice.text).where(Notice.user_id == PERSON.id)))
        denied = list(await session.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "denied")))
    assert stored is not None and stored.state == "granted" and stored.decided_by == REVIEWER.id
    assert len(notices) == 1 and "was granted" in notices[0] and "Rita" not in notices[0]
    assert STRANGER.id in denied
    assert "GREEN CODE" in texts(await harness.send(PERSON, "/status"))[-1]


async def test_uphold_with_a_category_and_words_tells_the_person_in_their_language(harness: Harness) -> None:
    zh_person = FakeUser(id=54, first_name="Li", language_code="zh")
    await harness.add_account(zh_person, language="zh")
    async with harness.sessions() as session:
        await submit_declaration(session, zh_person.id, answers(own_status=OwnStatus.OBSERVATION), NOW, ZONE)
    async with harness.sessions() as session:
        appeal = await service.submit(
            session, zh_person.id, "own_status_observation", "我已解除隔离", None, NOW, ZONE, 24
        )
    card = texts(await harness.send(ADMIN, "/appeals"))[-1]
    assert "我已解除隔离" in card and "Photo: none" in card
    uphold = ReviewCallback(action=ReviewAction.UPHOLD, appeal=appeal.id).pack()
    assert "Why does the reason stand?" in texts(await harness.press(ADMIN, uphold))[-1]
    forged_category = ReviewCallback(action=ReviewAction.CATEGORY, appeal=appeal.id, value=99).pack()
    stale = await harness.press(ADMIN, forged_category)
    assert [call.params.get("text") for call in stale if call.method == "answerCallbackQuery"] == [
        "That button belongs to an earlier message."
    ]
    category = ReviewCallback(action=ReviewAction.CATEGORY, appeal=appeal.id, value=2).pack()
    assert "Write a few words" in texts(await harness.press(ADMIN, category))[-1]
    # A photo instead of the words: asked again, and nothing decided yet.
    assert "Write a few words" in texts(await harness.feed(await harness.fake.send_photo(ADMIN, _png())))[-1]
    async with harness.sessions() as session:
        assert (await session.get(Appeal, appeal.id)).state == "open"  # type: ignore[union-attr]
    assert texts(await harness.send(ADMIN, "Quarantine lasts 14 days from 20 Nov."))[-1].startswith("Upheld.")
    async with harness.sessions() as session:
        notices = list(await session.scalars(select(Notice.text).where(Notice.user_id == zh_person.id)))
        stored = await session.get(Appeal, appeal.id)
    assert stored is not None and (stored.state, stored.category) == ("upheld", "rules")
    assert len(notices) == 1 and "申诉" in notices[0] and "Quarantine lasts 14 days" in notices[0]
