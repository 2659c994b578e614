"""/status and /history for a family member: the parent picks the member by a button under their own, and
a member id that is not theirs (someone else's child, a made-up id, a page of another family's history)
gets the answer of a stale button and nothing else."""

from __future__ import annotations

from bot.family.keyboards import MemberHistory, MemberStatus
from bot.family.service import Relation, add_member
from bot.history.keyboards import MemberHistoryPage
from bot.history.service import load_history
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import NOW, Harness, texts
from tests.stories import ZONE, answers

PARENT = FakeUser(id=8201, first_name="Lin", language_code="en")
STRANGER = FakeUser(id=8202, first_name="Mallory", language_code="en")
STALE = "That button belongs to an earlier message."


async def _family(harness: Harness) -> int:
    """The parent (green) with a feverish child; the child's id."""
    for user in (PARENT, STRANGER):
        await harness.add_account(user)
        async with harness.sessions() as session:
            await submit_declaration(session, user.id, answers(), NOW, ZONE)
    async with harness.sessions() as session:
        added = await add_member(
            session, PARENT.id, Relation.CHILD, answers(full_name="Mia Chen", temperature_c=38.6), NOW, ZONE
        )
    return added.member.id


def _sent(calls: list[RecordedCall]) -> list[str]:
    return [call.method for call in calls if call.method in ("sendMessage", "sendPhoto", "editMessageText")]


async def test_a_parent_sees_their_childs_status_from_status(harness: Harness) -> None:
    await _family(harness)
    calls = await harness.send(PARENT, "/status")
    own, choose = texts(calls)
    assert own.startswith("<b>Your status</b>") and "Mia" not in own
    assert choose == "Your family members' status:"
    message = calls[-1].result
    shown = await harness.feed(
        await harness.fake.press_button(PARENT, message, harness.fake.find_button(message, "Status of Mia Chen"))
    )
    [text] = texts(shown)
    assert text.startswith("<b>Status of Mia Chen</b>")
    assert "🟢" not in text.split("\n")[1], "the child's colour, not the parent's green"
    assert "their temperature is 37.3 °C or more" in text and "your" not in text.casefold(), "words about the child"
    [sent] = [call for call in shown if call.method == "sendMessage"]
    # "This is wrong" under the child's colour appeals the child's, not the parent's own.
    [[button]] = sent.params["reply_markup"]["inline_keyboard"]
    assert button["text"] == "This is wrong" and button["callback_data"].startswith("aplm:start:-")
    asked = await harness.feed(await harness.fake.press_button(PARENT, sent.result, button["callback_data"]))
    assert texts(asked)[-1].startswith("<b>Appeal for Mia Chen</b>")
    assert texts(await harness.send(STRANGER, "/status"))[-1].startswith("<b>Your status</b>"), "no family, no buttons"


async def test_a_parent_sees_their_childs_history_and_turns_its_pages(harness: Harness) -> None:
    child = await _family(harness)
    calls = await harness.send(PARENT, "/history")
    own, choose = texts(calls)
    assert own.startswith("<b>Your history</b>") and choose == "Your family members' history:"
    message = calls[-1].result
    shown = await harness.feed(
        await harness.fake.press_button(PARENT, message, harness.fake.find_button(message, "History of Mia Chen"))
    )
    [text] = texts(shown)
    assert text.startswith("<b>History of Mia Chen</b>, newest first") and "38.6" in text

    async with harness.sessions() as session:
        stamp = (await load_history(session, child, NOW, ZONE)).stamp
    turned = await harness.press(PARENT, MemberHistoryPage(member=child, page=0, stamp=stamp).pack())
    [edited] = texts(turned, "editMessageText")
    assert edited.startswith("<b>History of Mia Chen</b>")


async def test_someone_elses_member_reveals_nothing_in_status_or_history(harness: Harness) -> None:
    child = await _family(harness)
    async with harness.sessions() as session:
        stamp = (await load_history(session, child, NOW, ZONE)).stamp
    forged = (
        MemberStatus(member=child).pack(),
        MemberStatus(member=-12345).pack(),
        f"famstat:{PARENT.id}",
        MemberHistory(member=child).pack(),
        MemberHistory(member=-12345).pack(),
        MemberHistoryPage(member=child, page=0, stamp=stamp).pack(),
        f"famhistp:{PARENT.id}:0:{stamp}",
        f"famhistp:-12345:0:{stamp}",
    )
    for data in forged:
        calls = await harness.press(STRANGER, data)
        assert _sent(calls) == [], data
        assert texts(calls, "answerCallbackQuery") == [STALE], data
