"""Checkpoint verification end to end: the bot in this process (tests/inprocess.py), its clock a file, against
the fake Bot API.

A registrant's code image is decoded as a phone camera would, and its link opened by checkpoint staff
(the card) and by anyone else (a neutral message that names nobody).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from sqlalchemy import select

from bot.db.engine import create_engine
from bot.db.models import AuditEntry, Role, User, Verification
from bot.domain.tokens import deep_link, issue_token, key_from_secret
from bot.sandbox.emulator import FakeTelegram, FakeUser, RecordedCall
from tests.inprocess import BOT_USERNAME, CODE_SECRET, InProcessBot
from tests.people import Person, inline_buttons, message_text
from tests.scenarios import file_id, photos, register

ZONE = ZoneInfo("Asia/Shanghai")  # the bot's TIMEZONE in the harness
DAY_1 = datetime(2026, 3, 2, 9, 0, tzinfo=ZONE)
NEUTRAL = "This is a health code. Checkpoint staff verify it with this bot"
SIGNATURE_WRONG = "the signature is wrong"

JANE = FakeUser(id=7101, first_name="Jane", language_code="en")
SAM = FakeUser(id=7102, first_name="Sam", language_code="en")  # checkpoint staff
TOM = FakeUser(id=7103, first_name="Tom", language_code="en")  # anyone
ADA = FakeUser(id=7104, first_name="Ada", language_code="en")  # an administrator


# --- Helpers --------------------------------------------------------------------------------------


async def make_staff(database_url: str, user_id: int) -> None:
    """As an administrator's grant leaves it (granting itself is tested with the roles)."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                Role.__table__.insert().values(
                    user_id=user_id, role="staff", organization_id=None, granted_by=0, granted_at=datetime.now(UTC)
                )
            )
    finally:
        await engine.dispose()


async def rows(database_url: str, model: Any) -> list[Any]:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return list(await connection.execute(select(model.__table__).order_by(model.__table__.c.id)))
    finally:
        await engine.dispose()


async def public_id(database_url: str, user_id: int) -> int:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(select(User.public_id).where(User.id == user_id))
    finally:
        await engine.dispose()


def link_in(png: bytes) -> str:
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return result.text


def code_of(fake: FakeTelegram, photo: RecordedCall) -> tuple[bytes, str, str]:
    """The code image a person was sent, the link in its QR, and the token in the link."""
    png = fake.file_bytes(file_id(photo))
    link = link_in(png)
    assert link.startswith(f"https://t.me/{BOT_USERNAME}?start=")
    return png, link, link.partition("?start=")[2]


def photo_without_code() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 220, 240))
    ImageDraw.Draw(image).text((40, 40), "a turnstile, no code", fill="black")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def phone_photo(png: bytes) -> bytes:
    """The code as a staff member's camera sees it: smaller, a little turned, JPEG-compressed, on a background."""
    code = Image.open(io.BytesIO(png)).convert("RGB")
    code = code.resize((code.width * 3 // 4, code.height * 3 // 4)).rotate(5, expand=True, fillcolor=(30, 30, 30))
    scene = Image.new("RGB", (1280, 960), (120, 110, 100))
    scene.paste(code, (400, 120))
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=75)
    return out.getvalue()


def texts_to(person: Person) -> list[str]:
    return [message_text(message) for _index, message in person.bot_messages()]


def change_one_character(token: str, position: int = 20) -> str:
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]


async def registered_holder(fake: FakeTelegram, jane: Person, database_url: str) -> tuple[bytes, str, str]:
    """Jane registers, then shows her code with /code: the image, its link and token, as a camera reads them."""
    first = await register(fake, jane)
    mark = fake.mark()
    await jane.say("/code", expect="GREEN CODE")
    [photo] = photos(fake, mark)
    shown = code_of(fake, photo)
    assert shown[2] == code_of(fake, first)[2], "the same code until something changes"
    return shown


# --- Tests ----------------------------------------------------------------------------------------


async def test_staff_get_the_card_and_anyone_else_learns_nothing(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    process = await start_bot("polling", now=DAY_1, admin_ids=[ADA.id])
    jane, sam, tom, ada = (Person(fake, user) for user in (JANE, SAM, TOM, ADA))
    png, link, token = await registered_holder(fake, jane, clean_database)
    await make_staff(clean_database, SAM.id)
    process.set_clock(DAY_1 + timedelta(hours=1))

    # The phone camera opens the link: /start <token>. Staff see the card at once.
    card = await sam.say(f"/start {token}", expect="PASS")
    text = message_text(card)
    assert text.split("\n", 1)[0] == "✅ PASS · 通行 — GREEN CODE 绿码", "the first line alone is the decision"
    assert "🟩🟩🟩🟩🟩🟩🟩🟩" in text
    assert "Name: Jane Doe" in text
    assert "ID document: …5678" in text and "E12345678" not in text, "only the last four of the ID"
    assert "Valid until: Mar 3, 2026 09:00" in text
    assert "Last check-in: March 2, 2026" in text
    for private in ("Taikang", "+86", "United Kingdom", "symptom", "Yinzhou"):
        assert private not in text, f"{private!r} is none of a checkpoint's business"
    assert [button["text"] for button in inline_buttons(card)] == ["🌡 Normal", "🤒 Fever (37.3 °C or more)"]

    # /verify, a pasted link, and a photo of the screen: the same card.
    for said in (f"/verify {token}", f"/verify {link}", f"Can you check {link} please", token):
        assert message_text(await sam.say(said, expect="PASS")).startswith("✅ PASS · 通行"), said
    assert message_text(await sam.send_photo(phone_photo(png), expect="PASS")).startswith("✅ PASS · 通行")
    assert message_text(await sam.send_photo(png, expect="PASS")).startswith("✅ PASS · 通行")
    await sam.send_photo(photo_without_code(), expect="I could not find a health code in this photo")
    await sam.say("/verify", expect="Send /verify followed by the code")

    # An administrator may do all staff can.
    assert message_text(await ada.say(f"/verify {token}", expect="PASS")).startswith("✅ PASS · 通行")

    # Anyone else: the same neutral words whatever they send, and never the holder's name.
    await tom.say(f"/start {token}", expect=NEUTRAL)
    await tom.say(f"/verify {token}", expect=NEUTRAL)
    await tom.say(link, expect=NEUTRAL)
    await tom.send_photo(png, expect=NEUTRAL)
    await tom.say(f"/start {change_one_character(token)}", expect=NEUTRAL)  # not even whether it is valid
    await tom.say("/verify", expect="Only checkpoint staff can verify health codes.")
    # A photo without a code is none of verification's business: it goes on (here, to the fallback).
    await tom.send_photo(photo_without_code(), expect="I did not understand that")
    said_to_tom = texts_to(tom)
    assert said_to_tom and not any("Jane" in text or "Doe" in text or "5678" in text for text in said_to_tom)
    neutral = [text for text in said_to_tom if NEUTRAL in text]
    assert len(set(neutral)) == 1, "a valid and a forged code get the very same answer"
    # Someone with a code of their own who opens a code is shown the way to theirs, whoever's it is.
    assert "send /code" in message_text(await jane.say(f"/start {token}", expect=NEUTRAL))

    # Each check by staff is logged (who, when, which code, verdict); nothing is logged for Tom.
    log = await rows(clean_database, Verification)
    assert len(log) == 8
    assert {row.staff_id for row in log} == {SAM.id, ADA.id}
    assert all(row.holder_id == JANE.id and row.valid and row.reason == "ok" for row in log)
    assert all(row.colour == "green" and row.token_issued_at == DAY_1 for row in log)

    # The holder sees that, and when, but not who.
    history = message_text(await jane.say("/history", expect="Your history"))
    assert history.count("🛂 Code checked at a checkpoint: valid") == 8  # a page holds eight entries
    assert "Sam" not in history and "Ada" not in history and str(SAM.id) not in history


async def test_altered_foreign_and_expired_codes_are_refused(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    process = await start_bot("polling", now=DAY_1)
    jane, sam = Person(fake, JANE), Person(fake, SAM)
    _png, _link, token = await registered_holder(fake, jane, clean_database)
    await make_staff(clean_database, SAM.id)
    holder = await public_id(clean_database, JANE.id)
    now = int(DAY_1.timestamp())

    # One changed character: refused for its signature, naming nobody.
    altered = message_text(await sam.say(f"/verify {change_one_character(token)}", expect="NOT VALID"))
    assert SIGNATURE_WRONG in altered and "Jane" not in altered and "GREEN" not in altered
    # Cut short, and signed by another deployment (another secret) for a real holder.
    assert SIGNATURE_WRONG in message_text(await sam.say(f"/verify {token[:-3]}", expect="NOT VALID"))
    foreign_key = key_from_secret("some-other-deployment-secret")
    foreign = issue_token(holder, now, now + 86_400, foreign_key)
    foreign_card = message_text(await sam.say(deep_link(BOT_USERNAME, foreign), expect="NOT VALID"))
    assert SIGNATURE_WRONG in foreign_card and "Jane" not in foreign_card
    assert not inline_buttons(await sam.say(f"/start {foreign}", expect="NOT VALID")), "no temperature for a forgery"

    # Past its 24 hours the code is refused as expired (its holder is known: the signature is ours).
    process.set_clock(DAY_1 + timedelta(days=1, minutes=1))
    expired = message_text(await sam.say(f"/start {token}", expect="NOT VALID"))
    assert "this code expired at Mar 3, 2026 09:00" in expired and "/code" in expired
    assert "Name: Jane Doe" in expired

    log = await rows(clean_database, Verification)
    assert not any(row.valid for row in log)
    # A foreign key's id is one byte of a hash: it may happen to match ours (then the signature fails).
    foreign_reason = "unknown_key" if foreign_key.key_id != key_from_secret(CODE_SECRET).key_id else "bad_signature"
    assert [row.reason for row in log] == ["bad_signature", "malformed", foreign_reason, foreign_reason, "expired"]
    assert [row.holder_id for row in log] == [None, None, None, None, JANE.id], "a forgery names no holder"


async def test_a_code_whose_colour_changed_since_the_image_is_refused(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    process = await start_bot("polling", now=DAY_1)
    jane, sam = Person(fake, JANE), Person(fake, SAM)
    png, _link, token = await registered_holder(fake, jane, clean_database)
    await make_staff(clean_database, SAM.id)

    # The next morning Jane reports a cough: her code turns yellow. Her green image is still within its 24 hours.
    process.set_clock(DAY_1 + timedelta(hours=23))
    await jane.say("/checkin", expect="Has anything changed")
    await jane.press("Nothing changed", expect="symptoms now")
    await jane.press("Cough")
    await jane.press("Done", expect="body temperature")
    await jane.say("36.6", expect="Checked in for")

    card = message_text(await sam.send_photo(png, expect="NOT VALID"))
    assert "the colour has changed since this image was made (it shows 🟢 GREEN CODE)" in card
    assert "🟨🟨🟨🟨🟨🟨🟨🟨" in card and "YELLOW CODE" in card, "the card shows the current colour"
    assert "Last check-in: March 3, 2026" in card
    [row] = await rows(clean_database, Verification)
    assert (row.valid, row.reason, row.colour) == (False, "colour_changed", "yellow")

    # Her new image verifies.
    mark = fake.mark()
    await jane.say("/code", expect="YELLOW CODE")
    [photo] = photos(fake, mark)
    _png, _link, fresh = code_of(fake, photo)
    fresh_card = message_text(await sam.say(f"/verify {fresh}", expect="PASS"))
    assert fresh_card.startswith("🟡 DO NOT PASS · 不予通行 — YELLOW CODE 黄码\n"), "valid, and not to be let through"
    assert "✅" not in fresh_card and "🟨🟨🟨🟨🟨🟨🟨🟨" in fresh_card


async def test_a_fever_at_the_checkpoint_turns_the_code_yellow_and_the_holder_is_told(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    process = await start_bot("polling", now=DAY_1, admin_ids=[ADA.id])
    jane, sam, ada = Person(fake, JANE), Person(fake, SAM), Person(fake, ADA)
    _png, _link, token = await registered_holder(fake, jane, clean_database)
    await make_staff(clean_database, SAM.id)
    process.set_clock(DAY_1 + timedelta(hours=2))

    card = await sam.say(f"/start {token}", expect="PASS")
    # Only the staff member who made this check may record its temperature.
    await ada.press("Fever", message=card)
    assert "Only the staff member who checked this code" in (await ada.callback_answer())["text"]

    jane._seen = fake.mark()
    await sam.press("Fever", message=card, expect="Checkpoint temperature recorded: fever")
    edited = message_text(await sam.expect("Checkpoint temperature recorded"))
    assert "The code is now 🟡 YELLOW CODE." in edited and "Name: Jane Doe" in edited
    assert edited.startswith("🟡 DO NOT PASS · 不予通行 — YELLOW CODE 黄码\n"), "the headline shows the new colour"
    assert "✅" not in edited and "🟩" not in edited and "🟨🟨🟨🟨🟨🟨🟨🟨" in edited
    told = message_text(await jane.expect("At a checkpoint your temperature was 37.3 °C or more."))
    assert "Your code is now 🟡 YELLOW CODE." in told
    assert "Sam" not in told

    # A second press of the same reading: already recorded; nothing is stored twice.
    await sam.press("Fever", message=card)
    assert "already recorded" in (await sam.callback_answer())["text"]
    [check] = await rows(clean_database, Verification)
    assert check.temperature_c == pytest.approx(37.3)

    # A mistaken press is undone within five minutes: green again on the card and for Jane, who is told.
    process.set_clock(DAY_1 + timedelta(hours=2, minutes=3))
    jane._seen = fake.mark()
    await sam.press("Undo: change to normal", expect="Checkpoint temperature corrected: normal")
    corrected = message_text(await sam.expect("Checkpoint temperature corrected"))
    assert corrected.startswith("✅ PASS · 通行 — GREEN CODE 绿码\n") and "🟨" not in corrected
    assert "The code is now 🟢 GREEN CODE." in corrected and "fever" not in corrected
    told = message_text(await jane.expect("corrected the temperature"))
    assert "Your code is 🟢 GREEN CODE." in told and "Sam" not in told
    [check] = await rows(clean_database, Verification)
    assert check.temperature_c == pytest.approx(36.6)
    # ...and changed back again (it was a fever after all): the window counts from the last press.
    await sam.press("Undo: change to fever", expect="Checkpoint temperature corrected: fever")
    await jane.expect("At a checkpoint your temperature was 37.3 °C or more.")
    # After five minutes the reading stands: the button is refused and taken away.
    process.set_clock(DAY_1 + timedelta(hours=2, minutes=9))
    await sam.press("Undo: change to normal")
    assert "within 5 minutes" in (await sam.callback_answer())["text"]
    [check] = await rows(clean_database, Verification)
    assert check.temperature_c == pytest.approx(37.3)

    # The same image now shows an earlier colour; /status and /history say what happened, not who.
    again = message_text(await sam.say(f"/verify {token}", expect="NOT VALID"))
    assert "it shows 🟢 GREEN CODE" in again and "YELLOW CODE" in again
    await jane.say("/status", expect="YELLOW CODE")
    history = message_text(await jane.say("/history", expect="Your history"))
    assert "🛂 Code checked at a checkpoint: valid" in history
    assert "Temperature taken there: 37.3 °C or more" in history
    assert "not valid, the image showed an earlier colour" in history
    assert "Sam" not in history

    assert not inline_buttons(await sam.expect("NOT VALID")), "a card that did not verify takes no temperature"


async def test_a_rotated_out_key_verifies_while_listed_and_not_after(
    fake: FakeTelegram, clean_database: str, tmp_path: Path
) -> None:
    sam = Person(fake, SAM)
    await make_staff(clean_database, SAM.id)
    jane = Person(fake, JANE)
    old_key = key_from_secret(CODE_SECRET)
    processes: list[InProcessBot] = []

    async def start(code_secret: str) -> InProcessBot:
        # CODE_SECRET a list: the first signs, the rest still verify.
        process = InProcessBot(fake, clean_database, tmp_path, now=DAY_1, code_secret=code_secret)
        await process.start()
        processes.append(process)
        return process

    try:
        # The new secret signs; the old one (the harness's) is still listed.
        bot = await start(f"freshly-rotated-secret,{CODE_SECRET}")
        await register(fake, jane)
        now = int(DAY_1.timestamp())
        old_code = issue_token(await public_id(clean_database, JANE.id), now, now + 86_400, old_key)
        assert message_text(await sam.say(f"/verify {old_code}", expect="PASS")).startswith("✅ PASS · 通行")
        await bot.stop()

        # The old secret removed from the list: a code it signed no longer verifies, even within its day.
        await start("freshly-rotated-secret")
        refused = message_text(await sam.say(f"/verify {old_code}", expect="NOT VALID"))
        assert SIGNATURE_WRONG in refused and "Jane" not in refused
    finally:
        for process in processes:
            await process.stop()


async def test_many_codes_that_do_not_verify_are_slowed_down_and_audited(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    process = await start_bot("polling", now=DAY_1)
    jane, sam = Person(fake, JANE), Person(fake, SAM)
    _png, _link, token = await registered_holder(fake, jane, clean_database)
    await make_staff(clean_database, SAM.id)

    for attempt in range(10):
        await sam.say(f"/verify {change_one_character(token, attempt)}", expect="NOT VALID")
    slowed = await sam.say(f"/verify {token}", expect="Too many codes that did not verify")
    assert message_text(slowed) == "Too many codes that did not verify. Wait 60 seconds."
    await sam.say(f"/verify {change_one_character(token)}", expect="Too many codes that did not verify")
    audit = [row for row in await rows(clean_database, AuditEntry) if row.action == "verify_throttled"]
    assert len(audit) == 1 and audit[0].actor_id == SAM.id
    assert audit[0].details == {"failures": 10, "window_seconds": 60}
    assert len(await rows(clean_database, Verification)) == 10, "a refused attempt is not checked at all"

    # A minute later it goes on.
    process.set_clock(DAY_1 + timedelta(seconds=61))
    assert message_text(await sam.say(f"/verify {token}", expect="PASS")).startswith("✅ PASS · 通行")
