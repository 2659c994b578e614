"""A person's own data, end to end: /mydata sends all of it, /delete erases all of it, and nothing else."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from bot.db.engine import create_engine
from bot.db.models import Assessment, CheckIn, Code, Declaration, User
from bot.sandbox.emulator import FakeTelegram, FakeUser, RecordedCall
from tests.people import Person, count_rows, inline_buttons, message_text
from tests.scenarios import onboard, register

TABLES = (User, Declaration, CheckIn, Assessment, Code)


async def _rows_of(database_url: str, user_id: int) -> dict[str, int]:
    """The user's rows in every table that holds something about them, read from the database."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            counts = {}
            for model in TABLES:
                column = model.id if model is User else model.user_id
                statement = select(func.count()).select_from(model).where(column == user_id)
                counts[model.__tablename__] = await connection.scalar(statement)
            return counts
    finally:
        await engine.dispose()


def _documents(fake: FakeTelegram, after: int) -> dict[str, RecordedCall]:
    calls = [call for call in fake.calls[after:] if call.method == "sendDocument"]
    return {call.result["document"]["file_name"]: call for call in calls if call.ok}


def _uploaded(call: RecordedCall) -> bytes:
    [data] = call.files.values()
    return data


async def _my_data(fake: FakeTelegram, person: Person) -> tuple[str, dict[str, Any]]:
    """/mydata: the readable text and the parsed JSON, sent as two documents."""
    mark = fake.mark()
    await person.say("/mydata", expect=lambda message: "document" in message and "/delete" in message_text(message))
    documents = _documents(fake, mark)
    assert sorted(documents) == ["my-data.json", "my-data.txt"]
    text = _uploaded(documents["my-data.txt"]).decode("utf-8")
    data = json.loads(_uploaded(documents["my-data.json"]).decode("utf-8"))
    return text, data


async def _press_forged(person: Person, message: dict[str, Any], data: str) -> str:
    """Press a button carrying `data` on `message`; what the spinner says."""
    person._seen = person.fake.mark()
    await person.fake.press_button(person.user, message, data)
    return (await person.callback_answer()).get("text", "")


async def test_mydata_sends_everything_and_delete_erases_it_so_start_begins_from_nothing(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    await start_bot("polling")
    jane = Person(fake, FakeUser(id=6101, first_name="Jane", language_code="en"))
    john = Person(fake, FakeUser(id=6102, first_name="John", language_code="en"))
    await register(fake, jane, name="Jane Doe")
    await register(fake, john, name="John Smith")
    johns_rows = await _rows_of(clean_database, john.user.id)

    # /mydata: a readable text and the same as JSON, with the answers, the colour and the code.
    text, data = await _my_data(fake, jane)
    for heading in ("Your account", "Your declarations (1)", "Your colour changes", "Your current code"):
        assert heading in text, heading
    assert "Full name: Jane Doe" in text and "ID document: Passport" in text and "District: Yinzhou" in text
    assert "GREEN CODE" in text
    assert "John Smith" not in text
    assert data["account"]["id"] == jane.user.id
    [declaration] = data["declarations"]
    assert declaration["answers"]["full_name"] == "Jane Doe"
    assert declaration["answers"]["address"] == "199 Taikang East Road, building 3"
    assert [row["colour"] for row in data["assessments"]] == ["green"]
    assert data["code"]["colour"] == "green" and data["code"]["token"]
    assert len(data["checkins"]) == johns_rows["checkins"], "the registration's check-in is there"
    assert data["conversation"] is None

    # /delete asks first, saying what would be lost; Keep changes nothing.
    confirmation = await jane.say("/delete", expect="cannot be undone")
    for words in ("answers", "check-ins", "history", "code", "checkpoints", "register again"):
        assert words in message_text(confirmation), words
    assert [button["text"] for button in inline_buttons(confirmation)] == ["🗑 Delete everything", "Keep my data"]
    await jane.press("Keep my data", expect="Nothing was deleted", message=confirmation)
    assert (await _rows_of(clean_database, jane.user.id))["users"] == 1

    # Delete everything: every row of hers is gone, John's are not, and the menu keyboard goes too.
    confirmation = await jane.say("/delete", expect="cannot be undone")
    assert fake.reply_keyboard(jane.user) is not None
    await jane.press("Delete everything", expect="has been deleted", message=confirmation)
    assert "/start" in message_text(await jane.expect("has been deleted"))
    assert await _rows_of(clean_database, jane.user.id) == dict.fromkeys(johns_rows, 0)
    assert await _rows_of(clean_database, john.user.id) == johns_rows
    assert fake.reply_keyboard(jane.user) is None, "the reply keyboard is removed"
    [now_shown] = [m for m in fake.chat_messages(jane.user) if m["message_id"] == confirmation["message_id"]]
    assert inline_buttons(now_shown) == [], "the answered confirmation loses its buttons"

    # The same button again: nothing left, and nothing breaks.
    await jane.press("Delete everything", expect="Nothing is stored about you", message=confirmation)
    await jane.say("/mydata", expect="Nothing is stored about you")
    await jane.say("/delete", expect="Nothing is stored about you")
    await jane.say("/code", expect="Send /start")

    # /start begins from nothing: the language, the privacy notice, and the first question.
    await onboard(jane)
    assert (await _rows_of(clean_database, jane.user.id))["declarations"] == 0
    assert await count_rows(clean_database, User) == 2


async def test_old_and_forged_delete_buttons_change_nothing(fake: FakeTelegram, start_bot, clean_database: str) -> None:
    await start_bot("polling")
    jane = Person(fake, FakeUser(id=6201, first_name="Jane", language_code="en"))
    await register(fake, jane, name="Jane Doe")
    before = await _rows_of(clean_database, jane.user.id)
    confirmation = await jane.say("/delete", expect="cannot be undone")
    [erase, keep] = [button["callback_data"] for button in inline_buttons(confirmation)]
    account = erase.rsplit(":", 1)[1]

    for forged in (
        f"del:wipe:{account}",  # no such choice
        "del:erase:1",  # another account's confirmation
        "del:erase:not-a-number",
        "del:erase",
        "del",
    ):
        answer = await _press_forged(jane, confirmation, forged)
        assert "earlier message" in answer, forged
    assert await _rows_of(clean_database, jane.user.id) == before
    said = [message_text(message) for _index, message in jane.bot_messages(jane._seen)]
    assert not any("deleted" in text for text in said), said

    # The real button works; the confirmation is then spent for any account registered later.
    await jane.press("Delete everything", expect="has been deleted", message=confirmation)
    assert sum((await _rows_of(clean_database, jane.user.id)).values()) == 0
    await register(fake, jane, name="Jane Again")
    again = await _rows_of(clean_database, jane.user.id)
    assert again["users"] == 1 and again["declarations"] == 1
    answer = await _press_forged(jane, confirmation, erase)
    assert "earlier message" in answer
    await _press_forged(jane, confirmation, keep)
    await jane.expect("Nothing was deleted")
    assert await _rows_of(clean_database, jane.user.id) == again


async def test_a_form_in_progress_is_in_mydata_and_delete_ends_it(fake: FakeTelegram, start_bot) -> None:
    await start_bot("polling")
    jane = Person(fake, FakeUser(id=6301, first_name="Jane", language_code="en"))
    await onboard(jane)
    await jane.say("Jane Doe", expect="nationality")

    text, data = await _my_data(fake, jane)
    assert data["conversation"]["state"] == "Registration:nationality"
    assert data["conversation"]["data"]["answers"] == {"full_name": "Jane Doe"}
    assert data["declarations"] == [] and data["code"] is None
    assert "Your unfinished conversation" in text and "Full name: Jane Doe" in text
    assert "Current step: Nationality" in text

    await jane.say("/delete", expect="cannot be undone")
    await jane.press("Delete everything", expect="has been deleted")
    # The form is over: its next answer is not taken as the nationality.
    await jane.say("Germany", expect="did not understand")
    await jane.say("/start", expect="Choose your language")
