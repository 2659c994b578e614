"""An administrator's override end to end: the bot in this process (tests/inprocess.py), its clock moved past the override's end."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.db.models import AuditEntry, Override, Role, User
from bot.sandbox.emulator import FakeTelegram, FakeUser
from tests.people import Person, count_rows, inline_buttons, message_text
from tests.scenarios import register

ZONE = ZoneInfo("Asia/Shanghai")
DAY_1 = datetime(2026, 3, 2, 9, 0, tzinfo=ZONE)
ADMIN = 7001


async def test_an_override_holds_until_its_date_then_the_rules_and_the_person_is_told(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    process = await start_bot("polling", now=DAY_1, admin_ids=[ADMIN])
    jane = Person(fake, FakeUser(id=7101, first_name="Jane", language_code="en"))
    admin = Person(fake, FakeUser(id=ADMIN, first_name="Admin", language_code="en"))
    await register(fake, jane)

    # Not an administrator: refused, revealing nothing, on record.
    refusal = await jane.say("/override 7101 green cleared myself", expect="Only administrators")
    assert "Jane" not in message_text(refusal)
    assert await count_rows(clean_database, AuditEntry) == 1

    # /help shows each person the commands they may use, and no more.
    assert "Administrators" in message_text(await admin.say("/help", expect="Commands"))
    own_help = message_text(await jane.say("/help", expect="Commands"))
    assert "Administrators" not in own_help and "Checkpoint staff" not in own_help
    await admin.say("/override", expect="Override a colour")
    await admin.say("/override 7101 purple because", expect="Override a colour")
    await admin.say("/override 7101 red until 2026-02-01 observation", expect="after today")
    await admin.say("/override 999 red observation by the CDC", expect="Nobody with that id has registered")
    await admin.say("/override 7101 red until 2026-03-05 observation by the CDC", expect="What did the health")
    done = await admin.press("Quarantine ordered", expect="Done")
    assert "RED CODE" in message_text(done) and "March 5, 2026" in message_text(done)
    told = await jane.expect("A health authority's decision changed your health code")
    assert "RED CODE" in message_text(told) and "quarantine ordered by the health authority" in message_text(told)
    assert "«observation by the CDC»" in message_text(told)
    photo = await jane.say("/code", expect="RED CODE")
    why = await jane.press("Why this colour?", message=photo, expect="observation by the CDC")
    assert why is not None and "observation by the CDC" not in message_text(photo), "a press away, not in the caption"

    # 5 March, the first day without it: the rules again (nothing since it began), so green, and told once.
    mark = fake.mark()
    process.set_clock(DAY_1 + timedelta(days=3))
    back = await jane.expect(lambda message: "Your health code has changed" in message_text(message), timeout=20)
    assert "GREEN CODE" in message_text(back)
    await jane.say("/status", expect="GREEN CODE")
    changes = [m for _i, m in jane.bot_messages(mark) if "Your health code has changed" in message_text(m)]
    assert len(changes) == 1
    assert await count_rows(clean_database, AuditEntry) == 2  # the refusal and the override


async def test_a_decision_in_force_keeps_the_data_from_delete_until_it_is_released(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    """Erasing the account would erase a confirmed case's decision, and registering again would give a green code."""
    await start_bot("polling", now=DAY_1, admin_ids=[ADMIN])
    jane = Person(fake, FakeUser(id=7201, first_name="Jane", language_code="en"))
    admin = Person(fake, FakeUser(id=ADMIN, first_name="Admin", language_code="en"))
    await register(fake, jane)

    # A confirmation asked for before the decision: its button is checked again when pressed.
    earlier = await jane.say("/delete", expect="cannot be undone")
    await admin.say("/override 7201 red until 2026-03-05 Ningbo No.2 Hospital", expect="What did the health")
    await admin.press("Confirmed case", expect="Done")
    await jane.expect("A health authority's decision changed your health code")
    refusal = message_text(await jane.press("Delete everything", expect="cannot be deleted", message=earlier))
    assert "in force until March 5, 2026" in refusal and "/mydata" in refusal and "Nothing was deleted" in refusal
    assert not any("has been deleted" in message_text(m) for _i, m in jane.bot_messages(jane._seen))
    assert await count_rows(clean_database, User) == 1 and await count_rows(clean_database, Override) == 1

    # /delete itself now refuses at once, with no button to press; /mydata still answers.
    refused = await jane.say("/delete", expect="cannot be deleted")
    assert inline_buttons(refused) == []
    await jane.say("/mydata", expect=lambda message: "document" in message)
    await jane.say("/code", expect="RED CODE")

    # Released (a green decision): /delete asks again, naming the role that goes too, and erases everything.
    await admin.say("/override 7201 green Released by the CDC", expect="What did the health")
    await admin.press("Released from observation", expect="Done")
    await admin.say("/grant staff 7201", expect="Done")
    confirmation = await jane.say("/delete", expect="cannot be undone")
    assert "You also lose your roles:\n• checkpoint staff" in message_text(confirmation)
    await jane.press("Delete everything", expect="has been deleted", message=confirmation)
    assert await count_rows(clean_database, User) == 0
    assert await count_rows(clean_database, Override) == 0 and await count_rows(clean_database, Role) == 0
