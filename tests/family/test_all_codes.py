"""/code with family members: "All codes" sends the account's code and each member's as one album
(sendMediaGroup), each picture captioned with the name and colour, re-sent by file_id when unchanged.
The button carries no id: a stranger pressing it gets nothing of anyone's."""

from __future__ import annotations

from bot.family.keyboards import AllCodes
from bot.family.service import Relation, add_member
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import NOW, Harness, texts
from tests.stories import ZONE, answers

PARENT = FakeUser(id=8701, first_name="Lin", language_code="en")
STRANGER = FakeUser(id=8702, first_name="Mallory", language_code="en")
STALE = "That button belongs to an earlier message."


async def _family(harness: Harness, language: str = "en") -> None:
    for user in (PARENT, STRANGER):
        await harness.add_account(user, language=language)
        async with harness.sessions() as session:
            await submit_declaration(session, user.id, answers(full_name=f"{user.first_name} Chen"), NOW, ZONE)
    async with harness.sessions() as session:
        await add_member(
            session, PARENT.id, Relation.CHILD, answers(full_name="Mia Chen", temperature_c=38.6), NOW, ZONE
        )


async def _press(harness: Harness, calls: list[RecordedCall], label: str) -> list[RecordedCall]:
    [*_, call] = [c for c in calls if c.method == "sendMessage" and label in str(c.params.get("reply_markup"))]
    message = call.result
    return await harness.feed(
        await harness.fake.press_button(PARENT, message, harness.fake.find_button(message, label))
    )


def _album(calls: list[RecordedCall]) -> RecordedCall:
    [album] = [call for call in calls if call.method == "sendMediaGroup"]
    return album


async def test_all_codes_come_as_one_captioned_album_then_by_file_id(harness: Harness) -> None:
    await _family(harness)
    shown = await harness.send(PARENT, "/code")
    assert [call.method for call in shown if call.method == "sendPhoto"] == ["sendPhoto"], "their own code first"
    first = _album(await _press(harness, shown, "All codes"))
    captions = [item["caption"] for item in first.params["media"]]
    assert captions[0].startswith("<b>Lin Chen</b>\n🟢") and captions[1].startswith("<b>Mia Chen</b>\n")
    assert "🟢" not in captions[1].split("\n")[1], "her own colour, not her parent's"
    assert len(first.files) == 1, "only Mia's picture drawn: Lin's goes by the file_id /code gave it"
    assert [message["caption"].split("\n")[0] for message in first.result] == ["Lin Chen", "Mia Chen"]

    again = _album(await _press(harness, shown, "All codes"))
    assert again.files == {}, "nothing drawn or uploaded: both by file_id"
    assert [item["media"] for item in again.params["media"]] == [
        message["photo"][-1]["file_id"] for message in first.result
    ]


async def test_a_stranger_pressing_all_codes_gets_nothing(harness: Harness) -> None:
    await _family(harness)
    calls = await harness.press(STRANGER, AllCodes().pack())
    assert texts(calls, "answerCallbackQuery") == [STALE]
    assert [call.method for call in calls] == ["answerCallbackQuery"], "no picture, no album"


async def test_all_codes_in_chinese(harness: Harness) -> None:
    await _family(harness, language="zh")
    shown = await harness.send(PARENT, "/code")
    album = _album(await _press(harness, shown, "全部健康码"))
    assert [item["caption"].split("\n")[0] for item in album.params["media"]] == ["<b>Lin Chen</b>", "<b>Mia Chen</b>"]
    assert "本码有效期至" in album.params["media"][1]["caption"]
