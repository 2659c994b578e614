"""/remindme and the buttons of a reminder, through the real dispatcher (in process, both databases)."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from bot.checkin.keyboards import CheckInCallback
from bot.db.models import User
from bot.domain.answers import Place
from bot.registration.service import submit_declaration
from bot.reminders.keyboards import ReminderAction, ReminderButton
from bot.sandbox.emulator import FakeUser
from tests.inprocess import NOW, Harness, texts
from tests.stories import ZONE, answers

JANE = FakeUser(id=71, first_name="Jane", language_code="en")
LI = FakeUser(id=72, first_name="Li", language_code="zh")


async def _registered(harness: Harness, user: FakeUser, language: str = "en") -> None:
    await harness.add_account(user, language=language)
    async with harness.sessions() as session:
        await submit_declaration(session, user.id, answers(places=frozenset({Place.ABROAD})), NOW, ZONE)


async def _stored(harness: Harness, user: FakeUser) -> tuple[str | None, time | None]:
    async with harness.sessions() as session:
        row = (await session.execute(select(User.remind_choice, User.remind_at).where(User.id == user.id))).one()
    return row[0], row[1]


def _pressed(data: ReminderButton) -> str:
    return data.pack()


async def test_someone_without_a_code_is_told_to_start(harness: Harness) -> None:
    await harness.add_account(JANE)
    assert texts(await harness.send(JANE, "/remindme 8:30")) == [
        "You have no code yet. Send /start to answer the health questions."
    ]
    assert await _stored(harness, JANE) == (None, None)


async def test_the_settings_screen_says_what_holds_and_offers_times(harness: Harness) -> None:
    await _registered(harness, JANE)
    calls = await harness.send(JANE, "/remindme")
    [text] = texts(calls)
    assert "At 09:00 on the days your code is not green" in text
    assert "20:00" in text, "the evening warning's time"
    [sent] = [call for call in calls if call.method == "sendMessage"]
    markup = sent.params["reply_markup"]
    data = [button["callback_data"] for row in markup["inline_keyboard"] for button in row]
    assert ReminderButton(action=ReminderAction.AT, minute=8 * 60).pack() in data
    assert ReminderButton(action=ReminderAction.OFF).pack() in data


async def test_a_time_typed_in_any_common_way_is_stored(harness: Harness) -> None:
    await _registered(harness, JANE)
    # NOW is 16:00 in Shanghai: 08:30 has passed today.
    [text] = texts(await harness.send(JANE, "/remindme 8:30am"))
    assert "Every day at 08:30" in text and "the first reminder is tomorrow" in text
    assert await _stored(harness, JANE) == ("on", time(8, 30))
    [text] = texts(await harness.send(JANE, "/remindme 晚上9点"))
    assert "Every day at 21:00" in text and "tomorrow" not in text
    assert await _stored(harness, JANE) == ("on", time(21, 0))


async def test_a_wrong_time_is_explained_and_changes_nothing(harness: Harness) -> None:
    await _registered(harness, JANE)
    await harness.send(JANE, "/remindme 20:00")
    for wrong in ("25:99", "8:75", "soon"):
        [text] = texts(await harness.send(JANE, f"/remindme {wrong}"))
        assert f"“{wrong}” is not a time of day." in text and "/remindme 8:30" in text
    assert await _stored(harness, JANE) == ("on", time(20, 0))
    [text] = texts(await harness.feed(await harness.fake.send_sticker(JANE)))
    assert "/help" in text


async def test_off_by_word_and_by_the_button_under_a_reminder(harness: Harness) -> None:
    await _registered(harness, JANE)
    [text] = texts(await harness.send(JANE, "/remindme off"))
    assert "no more reminders" in text
    assert await _stored(harness, JANE) == ("off", None)
    await harness.press(JANE, _pressed(ReminderButton(action=ReminderAction.AT, minute=20 * 60)))
    assert await _stored(harness, JANE) == ("on", time(20, 0))
    [text] = texts(await harness.press(JANE, _pressed(ReminderButton(action=ReminderAction.OFF))))
    assert "no more reminders" in text
    assert await _stored(harness, JANE) == ("off", None)
    await harness.press(JANE, _pressed(ReminderButton(action=ReminderAction.DEFAULT)))
    assert await _stored(harness, JANE) == (None, None)


async def test_a_forged_time_button_is_refused_and_changes_nothing(harness: Harness) -> None:
    await _registered(harness, JANE)
    for forged in ("rmd:at:1440", "rmd:at:99999", "rmd:at:-5", "rmd:sudo:0"):
        calls = await harness.press(JANE, forged)
        answers_ = [call.params.get("text") for call in calls if call.method == "answerCallbackQuery"]
        assert answers_ == ["That button belongs to an earlier message."], forged
        assert texts(calls) == []
    assert await _stored(harness, JANE) == (None, None)


async def test_the_check_in_button_of_a_reminder_starts_the_check_in(harness: Harness) -> None:
    await _registered(harness, JANE)
    calls = await harness.press(JANE, _pressed(ReminderButton(action=ReminderAction.CHECK_IN)))
    [sent] = [call for call in calls if call.method == "sendMessage"]
    assert "changed" in str(sent.params["text"])
    data = [button["callback_data"] for row in sent.params["reply_markup"]["inline_keyboard"] for button in row]
    assert data[0].startswith(CheckInCallback.__prefix__)


async def test_in_chinese(harness: Harness) -> None:
    await _registered(harness, LI, language="zh")
    [text] = texts(await harness.send(LI, "/remindme"))
    assert "每日打卡提醒" in text and "非绿码" in text
    [text] = texts(await harness.send(LI, "/remindme 早上7点半"))
    assert "每天 07:30" in text


async def test_another_time_is_typed_and_a_sticker_is_asked_again(harness: Harness) -> None:
    await _registered(harness, JANE)
    [text] = texts(await harness.press(JANE, _pressed(ReminderButton(action=ReminderAction.OTHER))))
    assert "Send the time of day" in text
    for wrong in ("25:99", "later"):
        [text] = texts(await harness.send(JANE, wrong))
        assert text == "Please send a time of day, such as 8:30 or 20:00, or /cancel."
    [text] = texts(await harness.feed(await harness.fake.send_sticker(JANE)))
    assert text == "Please send a time of day, such as 8:30 or 20:00, or /cancel."
    assert await _stored(harness, JANE) == (None, None)
    [text] = texts(await harness.send(JANE, "7:45pm"))
    assert "Every day at 19:45" in text
    assert await _stored(harness, JANE) == ("on", time(19, 45))
    # Done: the next words are not a time any more.
    [text] = texts(await harness.send(JANE, "8:00"))
    assert "Every day" not in text


async def test_another_time_can_be_cancelled(harness: Harness) -> None:
    await _registered(harness, JANE)
    await harness.press(JANE, _pressed(ReminderButton(action=ReminderAction.OTHER)))
    assert texts(await harness.send(JANE, "/cancel")) == ["Cancelled. Your reminder is unchanged."]
    assert await _stored(harness, JANE) == (None, None)


async def test_another_time_in_the_middle_of_a_check_in_keeps_the_check_in(harness: Harness) -> None:
    await _registered(harness, JANE)
    await harness.press(JANE, _pressed(ReminderButton(action=ReminderAction.CHECK_IN)))
    [text] = texts(await harness.press(JANE, _pressed(ReminderButton(action=ReminderAction.OTHER))))
    assert "/remindme 8:30" in text
    calls = await harness.send(JANE, "8:30")
    assert "Every day" not in " ".join(texts(calls)), "the check-in's question still has the chat"
    assert await _stored(harness, JANE) == (None, None)
