"""The daily check-in end to end: the bot in this process (tests/inprocess.py), its clock a file the test
moves from day to day."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.db.models import Assessment, CheckIn, Declaration
from bot.sandbox.emulator import FakeTelegram, FakeUser
from tests.people import Person, count_rows, inline_buttons, message_text
from tests.scenarios import photos, register

ZONE = ZoneInfo("Asia/Shanghai")  # the bot's TIMEZONE in the harness
DAY_1 = datetime(2026, 3, 2, 9, 0, tzinfo=ZONE)


def day(number: int, hour: int = 9) -> datetime:
    return DAY_1 + timedelta(days=number - 1, hours=hour - 9)


async def code_caption(fake: FakeTelegram, mark: int) -> str:
    """What came with the one code sent since `mark`, waiting for it: the check-in's reply above the code (the
    day's progress and the way to green) and the code's own short caption."""
    await fake.wait_for_call("sendPhoto", after=mark)
    [photo] = photos(fake, mark)
    caption = photo.params["caption"]
    assert len(caption.split("\n")) == 3, "the colour, valid until and the time shown: the QR stays on screen"
    above = [call.params["text"] for call in fake.calls[mark:] if call.method == "sendMessage"]
    return "\n".join([*above, caption])


async def test_check_in_same_as_yesterday_replaces_a_second_one_and_symptoms_turn_yellow(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    process = await start_bot("polling", now=day(1))
    jane = Person(fake, FakeUser(id=6101, first_name="Jane", language_code="en"))
    mark = fake.mark()
    await register(fake, jane)
    assert "Checked in today" in await code_caption(fake, mark), "the declaration is the day's check-in"

    process.set_clock(day(2, 8))
    photo = await jane.say("/code", expect="GREEN CODE")
    assert "Not checked in today yet" not in message_text(photo), "the caption keeps to the colour and the times"
    why = await jane.press("Why this colour?", message=photo, expect="Not checked in today yet")
    assert why is not None and "Your status" in message_text(why)

    question = await jane.say("/checkin", expect="Has anything changed")
    assert "already checked in" not in message_text(question)
    await jane.press("Nothing changed", expect="symptoms now")
    # "None" is never preselected: Done with nothing ticked is refused.
    await jane.press("Done")
    assert "“No symptoms”" in (await jane.callback_answer())["text"]
    await jane.press("No symptoms", expect="body temperature")
    mark = fake.mark()
    await jane.say("36.7", expect="Checked in for")
    assert "Checked in today. Next check-in: tomorrow" in await code_caption(fake, mark)

    # The same day again, by words: it says so, and the new answers replace the old.
    await jane.say("check in", expect="already checked in today")
    await jane.press("Nothing changed", expect="symptoms now")
    await jane.press("Cough")
    await jane.press("Done", expect="body temperature")
    mark = fake.mark()
    await jane.say("36.6", expect="This replaces your earlier check-in today")
    caption = await code_caption(fake, mark)
    assert "you reported a cough" in caption
    assert "starts again tomorrow" in caption
    assert await count_rows(clean_database, CheckIn) == 2
    assert await count_rows(clean_database, Declaration) == 1, "nothing but the day's report changed"

    # Next day, a normal check-in: day 1 of 7, and the earliest green date is a week later.
    # 08:00: yellow and not checked in, she is due her own reminder at 09:00, whose buttons would race the
    # check-in's for "the last message with buttons".
    process.set_clock(day(3, 8))
    await jane.say("✅ Check in", expect="Has anything changed")
    await jane.press("Nothing changed", expect="symptoms now")
    await jane.press("No symptoms", expect="body temperature")
    mark = fake.mark()
    await jane.say("36.5", expect="Checked in for")
    caption = await code_caption(fake, mark)
    assert "Day 1 of 7" in caption
    assert "March 11, 2026" in caption, caption  # 7 normal days, 4..10 March, then green
    status = await jane.say("/status", expect="Your status")
    assert "Day 1 of 7" in message_text(status)


async def test_something_changed_asks_travel_contacts_and_status_and_makes_a_new_declaration(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    process = await start_bot("polling", now=day(1))
    tom = Person(fake, FakeUser(id=6102, first_name="Tom", language_code="en"))
    await register(fake, tom, name="Tom Lee")
    process.set_clock(day(2))

    await tom.say("/checkin", expect="Has anything changed")
    # A sticker or words instead of a button: told to use the buttons, nothing changes.
    await tom.send_sticker(expect="Please choose with the buttons")
    await tom.press("Something changed", expect="stayed in any of these")
    question = await tom.expect("Question 1 of 5")
    assert question
    await tom.press("Abroad")
    await tom.press("Done", expect="close contact")
    await tom.press("None of these", expect="told you that you are")
    await tom.press("None of these", expect="symptoms now")
    await tom.press("No symptoms", expect="body temperature")
    await tom.say("forty", expect="as a number")
    mark = fake.mark()
    await tom.say("36.6", expect="saved as a new declaration")
    caption = await code_caption(fake, mark)
    assert "Day 1 of 14" in caption and "you stayed abroad in the last 14 days" in caption
    assert await count_rows(clean_database, Declaration) == 2
    assert await count_rows(clean_database, Assessment) == 2

    # The buttons of the finished check-in do nothing now.
    old = next(m for _i, m in reversed(tom.bot_messages()) if any("Something" in b["text"] for b in inline_buttons(m)))
    await tom.press("Nothing changed", message=old)
    assert "earlier message" in (await tom.callback_answer())["text"]
    assert await count_rows(clean_database, CheckIn) == 2


async def test_check_in_in_chinese_and_cancel(fake: FakeTelegram, start_bot, clean_database: str) -> None:
    process = await start_bot("polling", now=day(1))
    li = Person(fake, FakeUser(id=6103, first_name="Li", language_code="en"))
    await register(fake, li, name="Li Hua")
    await li.say("/language", expect="Choose your language")
    await li.press("中文", expect="语言已设为中文")
    process.set_clock(day(2))

    await li.say("打卡", expect="自上次申报以来，是否有以下变化")
    await li.press("取消", expect="已取消")
    assert await count_rows(clean_database, CheckIn) == 1

    await li.say("/checkin", expect="自上次申报以来，是否有以下变化")
    await li.press("没有变化", expect="症状")
    await li.press("没有症状", expect="体温")
    mark = fake.mark()
    await li.say("36.6", expect="已完成")
    assert "今天已打卡" in await code_caption(fake, mark)
    assert await count_rows(clean_database, CheckIn) == 2


async def test_a_form_in_progress_is_not_lost_to_a_check_in(fake: FakeTelegram, start_bot) -> None:
    await start_bot("polling", now=day(1))
    ann = Person(fake, FakeUser(id=6104, first_name="Ann", language_code="en"))
    await register(fake, ann, name="Ann Smith")
    await ann.say("/update", expect="symptoms now")
    await ann.say("check in", expect="finish these questions first")
    await ann.expect("Question 12 of 13")
