"""An appeal end to end: the bot in this process (tests/inprocess.py), from a red code through an appeal to green."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.db.models import Appeal, AuditEntry
from bot.sandbox.emulator import FakeTelegram, FakeUser
from tests.people import Person, count_rows, message_text
from tests.scenarios import register

ZONE = ZoneInfo("Asia/Shanghai")
DAY_1 = datetime(2026, 3, 2, 9, 0, tzinfo=ZONE)
ADMIN = 7401


async def test_a_red_code_appealed_and_granted_turns_green_and_the_person_is_told(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    await start_bot("polling", now=DAY_1, admin_ids=[ADMIN])
    jane = Person(fake, FakeUser(id=7402, first_name="Jane", language_code="en"))
    admin = Person(fake, FakeUser(id=ADMIN, first_name="Admin", language_code="en"))
    await register(fake, jane)
    await admin.say("/override 7402 red until 2026-03-20 observation by the CDC", expect="What did the health")
    await admin.press("Quarantine ordered", expect="Done")
    await jane.expect("A health authority's decision changed your health code")

    await jane.say("/status", expect="RED CODE")
    await jane.press("This is wrong", expect="Which reason")
    await jane.press("a health authority's decision", expect="Write why")
    await jane.say("My test of 1 March was negative", expect="photo of a document")
    await jane.press("No photo", expect="Send it to a reviewer?")
    await jane.press("Send the appeal", expect="Your appeal was sent")
    await jane.say("/status", expect="is being reviewed")

    card = await admin.say("/appeals", expect="Appeal")
    assert "My test of 1 March was negative" in message_text(card) and "Jane" not in message_text(card)
    await admin.press("Grant", expect="Green for how long?")
    await admin.press("14 days", expect="Granted: green until")

    told = await jane.expect("was granted")
    assert "GREEN CODE" in message_text(told)
    await jane.say("/status", expect="GREEN CODE")
    await jane.say("/code", expect="GREEN CODE")
    assert await count_rows(clean_database, Appeal) == 1
    assert await count_rows(clean_database, AuditEntry) == 4  # the override, the appeal, its decision, the grant
