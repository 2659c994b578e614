"""The commands and words that work at any time, end to end: the bot in this process (tests/inprocess.py)
against the fake Bot API."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.db.models import Declaration, User
from bot.sandbox.emulator import FakeTelegram, FakeUser, RecordedCall
from tests.people import Person, count_rows, inline_buttons, message_text
from tests.scenarios import answer_identity, file_id, onboard, photos, register

ZONE = ZoneInfo("Asia/Shanghai")  # the bot's TIMEZONE in the harness
COMMAND_NAMES = [
    "start",
    "code",
    "checkin",
    "status",
    "update",
    "family",
    "remindme",
    "history",
    "appeal",
    "mydata",
    "delete",
    "language",
    "privacy",
    "help",
    "cancel",
]


def _today() -> date:
    return datetime.now(ZONE).date()


def _long_english_day(day: date) -> str:
    """Babel's "long" English date, written out independently: "December 11, 2026"."""
    return f"{day:%B} {day.day}, {day.year}"


async def _code_photo(fake: FakeTelegram, person: Person, request: str, expect: str) -> RecordedCall:
    """Ask for the code by `request`; the single sendPhoto it caused, with `expect` in its caption."""
    mark = fake.mark()
    await person.say(request, expect=expect)
    [photo] = photos(fake, mark)
    return photo


# Every test runs on both databases and starts the bot process (under a second, forked from a warm
# interpreter; three cold); so each test below is one person's story covering several commands, not one each.


async def test_a_newcomer_gets_help_privacy_language_and_cancel_before_and_during_the_form(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    await start_bot("polling")

    # The command menu, in both languages, is set when the bot starts.
    english = {command["command"]: command["description"] for command in fake.my_commands()}
    chinese = {command["command"]: command["description"] for command in fake.my_commands(language_code="zh")}
    assert list(english) == COMMAND_NAMES
    assert list(chinese) == COMMAND_NAMES
    assert english["code"] == "Show my health code"
    assert chinese["code"] == "出示我的健康码"
    assert chinese["help"] == "全部命令"
    for name in COMMAND_NAMES:
        assert english[name].isascii(), f"/{name}'s default description is not English: {english[name]!r}"
        assert english[name] != chinese[name], f"/{name} has no Chinese description"

    # Before /start: an answer to anything, and nothing stored.
    tom = Person(fake, FakeUser(id=5101, first_name="Tom", language_code="en"))
    reply = await tom.say("hello, is this the health code?", expect=lambda message: True)
    assert "/help" in message_text(reply) or "/start" in message_text(reply), message_text(reply)
    await tom.say("/code", expect="Send /start")
    await tom.say("/update", expect="Send /start")
    await tom.say("/cancel", expect="nothing to cancel")
    await tom.say("/help", expect="Commands")

    # /privacy: the notice with an Agree button; reading it stores nothing.
    before = await tom.say("/privacy", expect="Privacy notice")
    assert [button["text"] for button in inline_buttons(before)] == ["✅ I agree"]
    assert await count_rows(clean_database, User) == 0
    await tom.press("I agree", expect="What is your full name", message=before)
    assert await count_rows(clean_database, User) == 1

    # Once agreed: the notice without the button, and the form goes on at the same question.
    during = await tom.say("/privacy", expect="Privacy notice")
    assert inline_buttons(during) == [], "no Agree button once agreed"
    await tom.say("Tom Smith", expect="nationality")
    await tom.press("I agree", expect="already agreed", message=before)  # the old button changes nothing
    await tom.say("Germany", expect="ID document")
    assert await count_rows(clean_database, User) == 1

    # /update in the middle of the first form: the answers so far stay, and the question is asked again.
    await tom.say("/update", expect="finish these questions first")
    await tom.expect("ID document")
    # Asking for the code meanwhile: it comes with the end of this form, not from /start.
    await tom.say("/status", expect="finish the questions above")
    await tom.say("show my code", expect="finish the questions above")

    # /language in the middle of the form: the current question again, in the new language.
    await tom.say("/language", expect="Choose your language")
    mark = fake.mark()
    await tom.press("中文", expect="语言已设为中文")
    [set_to] = [
        call for call in fake.calls[mark:] if call.method == "sendMessage" and "语言已设为中文" in call.params["text"]
    ]
    assert "keyboard" not in str(set_to.params.get("reply_markup")), "no code yet: no show-my-code menu"
    question = await tom.expect("请选择证件类型")
    labels = [button["text"] for button in inline_buttons(question)]
    assert any("护照" in label for label in labels) and not any("Passport" in label for label in labels), labels
    await tom.press("护照", expect="请输入证件号码")
    await tom.say("返回", expect="请选择证件类型")
    await tom.say("Back", expect="国籍")
    assert "德国" in message_text(await tom.expect("国籍")), "the earlier answer is kept, shown in Chinese"

    # Cancel in the first form: nothing was declared, and the bot says so (not "earlier answers unchanged").
    await tom.say("取消", expect="未保存任何信息")
    await tom.say("/code", expect="您还没有健康码")
    assert await count_rows(clean_database, Declaration) == 0


async def test_a_registered_user_sees_the_code_by_words_and_in_chinese_after_language(
    fake: FakeTelegram, start_bot
) -> None:
    await start_bot("polling")
    jane = Person(fake, FakeUser(id=5102, first_name="Jane", language_code="en"))
    first = await register(fake, jane)

    # Words in either language show the code; unchanged, it is re-sent by file_id, captioned in English.
    for words in ("健康码", "🔳 出示健康码", "Show my code!", "show me my code please", "请出示我的健康码"):
        photo = await _code_photo(fake, jane, words, expect="GREEN CODE")
        assert photo.params["photo"] == file_id(first) and not photo.files, words
        assert "绿码" not in photo.params["caption"], "the caption stays in the user's language"

    # /language at any time: confirmed in Chinese, and what follows is Chinese.
    await jane.say("/language", expect="Choose your language")
    await jane.press("中文", expect="语言已设为中文")
    keyboard = fake.reply_keyboard(jane.user) or {}
    labels = [button["text"] for row in keyboard.get("keyboard", []) for button in row]
    assert any("出示健康码" in label for label in labels), f"the main menu is not in Chinese: {labels}"
    help_message = await jane.say("/help", expect="命令")
    assert "Commands" not in message_text(help_message)

    # The colour word on the image is in the new language, so it is drawn again and uploaded.
    photo = await _code_photo(fake, jane, "/code", expect="绿码")
    assert photo.files, "a new image, not the English one's file_id"
    assert "GREEN CODE" not in photo.params["caption"]


async def test_update_starts_prefilled_and_cancel_keeps_the_earlier_code(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    await start_bot("polling")
    jane = Person(fake, FakeUser(id=5103, first_name="Jane", language_code="en"))
    green = await register(fake, jane, name="Jane Doe")

    # Cancel, pressed or typed, leaves the earlier declaration and its code as they were.
    await jane.say("/update", expect="symptoms now")
    await jane.press("Cough")
    await jane.press("Cancel", expect="earlier answers are unchanged")
    photo = await _code_photo(fake, jane, "/code", expect="GREEN CODE")
    assert photo.params["photo"] == file_id(green) and not photo.files
    await jane.say("/update", expect="symptoms now")
    await jane.say("/cancel", expect="earlier answers are unchanged")
    await _code_photo(fake, jane, "show my code", expect="GREEN CODE")
    await _code_photo(fake, jane, "Health code", expect="GREEN CODE")
    assert await count_rows(clean_database, Declaration) == 1

    # /update: everything but symptoms and temperature is filled in; those are asked afresh, first.
    mark = fake.mark()
    await jane.say("/update", expect="symptoms now")
    said = [message_text(message) for _index, message in jane.bot_messages(mark)]
    assert "A new declaration" in said[0]
    assert "symptoms now" in said[1], f"the first question should be symptoms; the bot said: {said}"
    assert "Current answer" not in said[1]
    assert "☑️" not in str(jane.last_message_with_buttons()["reply_markup"]), "the cancelled tick is gone"
    await jane.press("Cough")
    await jane.press("Done", expect="body temperature")
    assert "Current answer" not in message_text(await jane.expect("body temperature"))
    summary = await jane.say("36.7", expect="Please check your answers")
    assert "Jane Doe" in message_text(summary) and "199 Taikang East Road" in message_text(summary)

    # Only the newest summary submits: an older one showing other answers is refused.
    await jane.say("back", expect="body temperature")
    await jane.say("36.8", expect="Please check your answers")
    await jane.press("Submit", message=summary)
    assert "earlier message" in (await jane.callback_answer()).get("text", "")
    assert await count_rows(clean_database, Declaration) == 1

    mark = fake.mark()
    explained = await jane.press("Submit", expect="YELLOW CODE")
    assert explained is not None and "cough" in message_text(explained), "why, above the code"
    await fake.wait_for_call("sendPhoto", after=mark)
    [yellow] = photos(fake, mark)
    assert "cough" not in yellow.params["caption"], "the caption leaves room for the QR"
    assert yellow.files, "the colour changed: a new image is drawn and uploaded"
    assert await count_rows(clean_database, Declaration) == 2

    again = await _code_photo(fake, jane, "/code", expect="YELLOW CODE")
    assert again.params["photo"] != file_id(green), "never the old green image"
    assert again.params["photo"] == file_id(yellow) and not again.files


async def test_arriving_later_asks_the_date_and_the_period_starts_on_arrival(fake: FakeTelegram, start_bot) -> None:
    await start_bot("polling")
    max_ = Person(fake, FakeUser(id=5104, first_name="Max", language_code="en"))
    await onboard(max_)
    await answer_identity(max_, "Max Mustermann")
    await max_.press("No, I am arriving later", expect="which date will you arrive")

    today = _today()
    refused = await max_.say((today - timedelta(days=1)).isoformat(), expect="date has passed")
    assert "which date will you arrive" in message_text(refused), "the same question is asked again"

    arrival = today + timedelta(days=20)  # beyond the week of buttons: only typing reaches it
    await max_.say(arrival.isoformat(), expect="stayed in any of these")
    await max_.press("Abroad")
    await max_.press("Done", expect="close contact")
    await max_.press("None of these", expect="told you that you are")
    await max_.press("None of these", expect="symptoms now")
    await max_.press("No symptoms", expect="body temperature")
    summary = await max_.say("36.5", expect="Please check your answers")
    assert _long_english_day(arrival) in message_text(summary)

    await max_.press("Submit")
    caption = message_text(await max_.expect("RED CODE"))
    assert "abroad" in caption
    assert f"Earliest date it can turn green: {_long_english_day(arrival + timedelta(days=14))}" in caption
