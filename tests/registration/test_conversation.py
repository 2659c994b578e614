"""The product's spine, end to end: the bot in this process (tests/inprocess.py), over HTTP, against the fake
Bot API; old buttons and forged callbacks in the middle of it change nothing."""

from __future__ import annotations

import io
import time

import zxingcpp
from PIL import Image

from bot.db.models import Assessment, Declaration, FsmState, User
from bot.domain.tokens import key_from_secret, verify_token
from bot.sandbox.emulator import FakeTelegram, FakeUser, find_button
from tests.inprocess import BOT_USERNAME, CODE_SECRET
from tests.people import Person, count_rows, message_text
from tests.scenarios import onboard


def _decode_link(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, "the code image should hold exactly one QR code"
    return results[0].text


def _photo_call(fake: FakeTelegram, after: int):
    return [call for call in fake.calls[after:] if call.method == "sendPhoto"]


async def _answer_identity(person: Person, name: str = "Jane Doe") -> None:
    await person.say(name, expect="nationality")
    await person.say("United Kingdom", expect="ID document")
    await person.press("Passport", expect="number of that document")
    await person.say("E12345678", expect="mobile number")


async def test_full_registration_in_english(fake: FakeTelegram, start_bot, clean_database: str) -> None:
    await start_bot("polling")
    jane = Person(fake, FakeUser(id=1001, first_name="Jane", language_code="en"))

    await jane.say("/start", expect="Choose your language")
    await jane.press("English", expect="Privacy notice")
    assert await count_rows(clean_database, User) == 0, "nothing may be stored before Agree"
    assert await count_rows(clean_database, FsmState) == 0, "not even the language chosen"
    await jane.press("I agree", expect="What is your full name")

    # Bad answers at each text step: explained, and the same question again.
    await jane.send_sticker(expect="What is your full name")
    await jane.say("R2D2", expect="without digits")
    await jane.say("x" * 500, expect="too long")
    await jane.say("Jane Doe", expect="nationality")
    await jane.say("Narnia", expect="I do not know that country")
    await jane.say("United Kingdom", expect="ID document")
    await jane.say("/passport", expect="choose with the buttons")
    await jane.say("passport", expect="number of that document")  # typed as the button reads: taken
    await jane.say("!!", expect="not a valid passport number")
    await jane.say("E12345678", expect="mobile number")
    await jane.share_contact("+8613800138000", owner_id=999, expect="share your own number")
    await jane.say("12345", expect="not a valid mobile number")
    # A British mobile written the British way is no Chinese number: the country is asked, hers offered.
    mark = fake.mark()
    await jane.say("07400 123456", expect="your country (United Kingdom), press +44 7400 123456")
    [asked] = [call for call in fake.calls[mark:] if call.method == "sendMessage"]
    assert "+44 7400 123456" in str(asked.params["reply_markup"]), "her number with its code is a button to press"
    # Back from the phone question takes its share-my-number keyboard away, and forward again.
    mark = fake.mark()
    await jane.say("⬅️ Back", expect="number of that document")
    [removal] = [
        call for call in fake.calls[mark:] if call.method == "sendMessage" and "remove_keyboard" in str(call.params)
    ]
    assert "Back" in removal.params["text"]
    await jane.say("E12345678", expect="mobile number")
    await jane.share_contact("+8613800138000", owner_id=1001, expect="Phone number saved")
    await jane.expect("which district")
    await jane.press("Yinzhou", expect="address there")
    await jane.say("?", expect="too short")
    await jane.say("199 Taikang East Road, building 3", expect="in Ningbo now")

    # Back: to the address, which shows its current answer, and forward again.
    await jane.press("Back", expect="Current answer: 199 Taikang East Road")
    await jane.say("200 Taikang East Road, building 3", expect="in Ningbo now")
    await jane.press("Yes, I am in Ningbo", expect="stayed in any of these")
    await jane.press("None of these", expect="close contact")
    await jane.press("Done")
    answer = await jane.callback_answer()
    assert answer.get("show_alert") and "“None of these”" in answer.get("text", ""), "names the button to press"
    await jane.press("None of these", expect="told you that you are")
    await jane.press("None of these", expect="symptoms now")
    await jane.press("No symptoms", expect="body temperature")
    await jane.say("hot", expect="as a number")
    await jane.say("45", expect="between 34 and 43")
    summary = await jane.say("97.9F", expect="Please check your answers")
    assert "36.6 °C" in message_text(summary)
    assert "200 Taikang East Road" in message_text(summary)

    # Edit one answer from the summary; the form comes back to the summary.
    await jane.press("Temperature", expect="body temperature")
    await jane.say("36,8", expect="Please check your answers")
    mark = fake.mark()
    await jane.press("Submit", expect=lambda message: "photo" in message and "GREEN CODE" in message_text(message))

    [photo] = _photo_call(fake, mark)
    assert photo.files, "the first code image is uploaded"
    png = next(iter(photo.files.values()))
    assert png.startswith(b"\x89PNG")
    link = _decode_link(png)
    prefix = f"https://t.me/{BOT_USERNAME}?start="
    assert link.startswith(prefix)
    token = link.removeprefix(prefix)
    assert len(token) <= 64
    claims = verify_token(token, [key_from_secret(CODE_SECRET)], now=int(time.time()))
    assert claims.holder > 0

    # Unchanged code: re-sent by file_id, no drawing, no upload.
    first_file_id = photo.result["photo"][-1]["file_id"]
    for request in ("/code", "show my code"):
        mark = fake.mark()
        await jane.say(request, expect="GREEN CODE")
        [again] = _photo_call(fake, mark)
        assert again.params["photo"] == first_file_id and not again.files
        assert "Shown at" in again.params["caption"]

    # A returning user's /start shows the colour and the way to the main actions.
    welcome = await jane.say("/start", expect="Welcome back")
    assert "GREEN CODE" in message_text(welcome) and "/code" in message_text(welcome)

    assert await count_rows(clean_database, Declaration) == 1
    assert await count_rows(clean_database, Assessment) == 1
    assert await count_rows(clean_database, FsmState) == 0, "a finished form leaves no conversation state"


async def test_buttons_from_old_messages_and_forged_data_change_nothing(fake: FakeTelegram, start_bot) -> None:
    await start_bot("polling")
    bo = Person(fake, FakeUser(id=4004, first_name="Bo", language_code="en"))
    await onboard(bo)
    await bo.say("Bo Chen", expect="nationality")
    await bo.say("CN", expect="ID document")
    id_question = bo.last_message_with_buttons()
    await bo.press("Passport", expect="number of that document")

    # The ID-type question's message lost its buttons when it was answered, but an old client can still press them.
    await fake.press_button(bo.user, id_question, find_button(id_question, "resident ID"))
    await bo.expect("earlier message")
    await bo.expect("number of that document")
    for forged in (
        "reg:id_number:pick:../../etc",
        "reg:summary:submit:",
        "lang:xx",
        "nonsense",
        "reg:id_number:bogus:1",
    ):
        await fake.press_button(bo.user, id_question, forged)
    await bo.say("E7654321", expect="mobile number")
    await bo.say("Back", expect="number of that document")
    assert "E7654321" in message_text(await bo.expect("Current answer"))
