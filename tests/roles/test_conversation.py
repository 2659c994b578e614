"""Roles end to end: administrators (ADMIN_IDS) grant and revoke checkpoint staff and HR by id, @username or a
forwarded message, list them with /roles; anyone else is refused, learns nothing, and is audited."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.db.engine import create_engine
from bot.db.models import AuditEntry, Role
from bot.i18n import format_moment
from bot.sandbox.emulator import FakeTelegram, FakeUser
from tests.people import Person, count_rows, inline_buttons, message_text
from tests.scenarios import onboard

ZONE = ZoneInfo("Asia/Shanghai")  # the bot's TIMEZONE in the harness
ONLY_ADMINS = "Only administrators can do that."
ADA = FakeUser(id=7001, first_name="Ada", username="Ada_Admin", language_code="en")


async def _audit(database_url: str) -> list[AuditEntry]:
    """The audit log as an auditor reads it: from the database, oldest first."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(AuditEntry).order_by(AuditEntry.id))
            return list(rows)
    finally:
        await engine.dispose()


async def _roles(database_url: str) -> list[tuple[int, str, int]]:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(Role.user_id, Role.role, Role.granted_by).order_by(Role.id))
            return [tuple(row) for row in rows]
    finally:
        await engine.dispose()


async def _denied(database_url: str) -> int:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            statement = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "denied")
            return await connection.scalar(statement)
    finally:
        await engine.dispose()


async def _forward(admin: Person, sender: FakeUser | str, text: str, expect: str) -> dict[str, Any]:
    """`admin` forwards a message `sender` wrote (a name alone: their account is hidden); the bot's answer."""
    admin._seen = admin.fake.mark()
    if isinstance(sender, FakeUser):
        await admin.fake.forward_message(admin.user, sender, text)
    else:
        await admin.fake.forward_hidden_message(admin.user, sender, text)
    return await admin.expect(expect)


def _as_now(fake: FakeTelegram, person: Person, message: dict[str, Any]) -> dict[str, Any]:
    """The bot's message as it is now in the chat, after edits."""
    return next(m for m in fake.chat_messages(person.user) if m["message_id"] == message["message_id"])


async def _onboard_in_chinese(person: Person) -> None:
    await person.say("/start", expect="请选择语言")
    await person.press("中文", expect="隐私")
    await person.press("同意", expect="姓名")


# The third button of a forwarded message's card: the role of reviewing appeals, not held here.
REVIEWER_OFF = "Make appeal reviewer"


async def test_grant_and_revoke_by_id_and_username_with_roles_listed_and_outsiders_refused(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    await start_bot("polling", admin_ids=[ADA.id, 7009])
    ada = Person(fake, ADA)
    bob = Person(fake, FakeUser(id=7002, first_name="Bob", username="Bob_Gate", language_code="en"))
    mallory = Person(fake, FakeUser(id=7003, first_name="Mallory", username="mallory", language_code="en"))
    await onboard(bob)
    # Bob has used the bot: his @username is known once he writes after agreeing to the privacy notice.
    await bob.say("Bob Gate", expect="nationality")

    # Someone who is not an administrator: the same answer whatever they ask, naming nobody, and audited.
    for attempt in ("/grant staff @bob_gate", "/grant staff @nobody_at_all", "/grant", "/revoke hr 7002", "/roles"):
        answer = await mallory.say(attempt, expect=lambda message: True)
        assert message_text(answer) == ONLY_ADMINS, attempt
    assert all(message_text(message) == ONLY_ADMINS for _index, message in mallory.bot_messages())
    assert await _denied(clean_database) == 5
    denied = [entry for entry in await _audit(clean_database) if entry.action == "denied"]
    assert {entry.actor_id for entry in denied} == {mallory.user.id}
    assert [entry.details["attempted"] for entry in denied] == ["grant", "grant", "grant", "revoke", "roles"]
    assert all(entry.subject_id is None for entry in denied), "nothing about whom they named"
    assert await count_rows(clean_database, Role) == 0
    await bob.expect("nationality")  # and Bob heard nothing of it
    assert not [m for _i, m in bob.bot_messages(bob._seen) if "staff" in message_text(m)]

    # Bad input from an administrator: help, not a guess.
    assert "Usage" in message_text(await ada.say("/grant", expect="Usage"))
    await ada.say("/grant staff", expect="Usage")
    reply = await ada.say("/grant boss @bob_gate", expect="There is no role")
    assert "staff" in message_text(reply) and "hr" in message_text(reply)
    await ada.say("/grant admin 7002", expect="configuration (ADMIN_IDS)")
    await ada.say("/revoke admin 7002", expect="configuration (ADMIN_IDS)")
    await ada.say(
        "/grant staff @nobody_at_all",
        expect="I do not know @nobody_at_all: they must have written to this bot first, or use their numeric id",
    )
    await ada.say("/grant staff <b>x</b>", expect="neither a numeric Telegram id nor an @username")
    assert await count_rows(clean_database, Role) == 0

    # By @username (any case): done, Bob is told, and the audit says who, whom, what.
    reply = await ada.say("/grant staff @BOB_GATE", expect="Done")
    assert message_text(reply) == "Done: 7002 (@bob_gate) is now checkpoint staff. They will be told in a moment."
    told = await bob.expect("You are now checkpoint staff")
    assert "/verify" in message_text(told)
    await ada.say("/grant staff 7002", expect="7002 (@bob_gate) is already checkpoint staff. Nothing changed.")
    # The order of the words does not matter; HR by numeric id.
    await ada.say("/grant 7002 hr", expect="Done: 7002 (@bob_gate) is now HR.")
    await bob.expect("You now have the HR role.")
    assert await _roles(clean_database) == [(7002, "staff", ADA.id), (7002, "hr", ADA.id)]

    # Someone who has never written to the bot can be named by id. Their notice goes to the outbox like any
    # other; Telegram refuses it ("chat not found") and it is dropped, not retried.
    reply = await ada.say("/grant staff 7444", expect="Done")
    assert "They will be told in a moment." in message_text(reply)

    # /roles: the administrators from configuration, then each role with who granted it and when.
    granted_at = {entry.subject_id: entry.at for entry in await _audit(clean_database) if entry.action == "grant"}
    listing = message_text(await ada.say("/roles", expect="Roles"))
    lines = listing.splitlines()
    admins = lines.index("Administrators (set by configuration)")
    assert lines[admins + 1 : admins + 3] == ["• 7001", "• 7009"]
    staff = lines.index("Checkpoint staff")
    hr = lines.index("HR")
    assert staff < hr
    moment = format_moment(granted_at[7002], "en", ZONE)  # Bob's first grant; HR came seconds later
    assert lines[staff + 1].startswith("• 7002 (@bob_gate): granted by 7001, ")
    assert lines[staff + 2].startswith("• 7444: granted by 7001, ")
    assert lines[hr + 1].startswith("• 7002 (@bob_gate): granted by 7001, ")
    assert moment[:-6] in lines[staff + 1], (moment, lines[staff + 1])  # the day, in the admin's language

    # Revoke by id, then again: the second changes nothing.
    await ada.say("/revoke staff 7002", expect="Done: 7002 (@bob_gate) is no longer checkpoint staff.")
    await bob.expect("You are no longer checkpoint staff.")
    await ada.say("/revoke staff @bob_gate", expect="7002 (@bob_gate) is not checkpoint staff. Nothing changed.")
    assert await _roles(clean_database) == [(7002, "hr", ADA.id), (7444, "staff", ADA.id)]

    # Every change is audited once; refusals stay as they were; no-ops write nothing.
    entries = [entry for entry in await _audit(clean_database) if entry.action != "denied"]
    assert [(entry.action, entry.actor_id, entry.subject_id, entry.details) for entry in entries] == [
        ("grant", ADA.id, 7002, {"role": "staff"}),
        ("grant", ADA.id, 7002, {"role": "hr"}),
        ("grant", ADA.id, 7444, {"role": "staff"}),
        ("revoke", ADA.id, 7002, {"role": "staff"}),
    ]
    assert await _denied(clean_database) == 5


async def test_roles_by_forwarded_message_told_in_chinese_and_buttons_checked_on_every_press(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    await start_bot("polling", admin_ids=[ADA.id])
    ada = Person(fake, ADA)
    li = Person(fake, FakeUser(id=7102, first_name="李<小>", username="Li_HR", language_code="zh-hans"))
    mallory = Person(fake, FakeUser(id=7103, first_name="Mallory", language_code="en"))
    await _onboard_in_chinese(li)
    await li.say("李小龙", expect="国籍")

    # A forwarded message names its sender: id, @username, first name (escaped), and what can change.
    card = await _forward(ada, li.user, "你好", expect="This message is from")
    text = message_text(card)
    assert "李<小>" in text and "7102" in text and "@Li_HR" in text
    assert [button["text"] for button in inline_buttons(card)] == ["Make checkpoint staff", "Make HR", REVIEWER_OFF]

    # Make checkpoint staff: Li is told in Chinese; the card's button turns into "Remove".
    await ada.press("Make checkpoint staff", expect="Done: 7102 (@li_hr) is now checkpoint staff.", message=card)
    told = await li.expect("卡口工作人员")
    assert "/verify" in message_text(told) and "staff" not in message_text(told)
    card_now = _as_now(fake, ada, card)
    buttons = [button["text"] for button in inline_buttons(card_now)]
    assert buttons == ["Remove checkpoint staff", "Make HR", REVIEWER_OFF]
    await ada.press("Make HR", expect="Done: 7102 (@li_hr) is now HR.", message=card_now)
    await li.expect("您已被设为人事部门人员")
    assert await _roles(clean_database) == [(7102, "staff", ADA.id), (7102, "hr", ADA.id)]

    # A button pressed by someone else (forged: the same data from another account) changes nothing.
    before = await _denied(clean_database)
    mallory._seen = fake.mark()
    buttons = [b["text"] for b in inline_buttons(_as_now(fake, ada, card))]
    assert buttons == ["Remove checkpoint staff", "Remove HR", REVIEWER_OFF]
    remove = next(b for b in inline_buttons(_as_now(fake, ada, card)) if b["text"] == "Remove HR")
    await fake.press_button(mallory.user, card, remove["callback_data"])
    answer = await mallory.callback_answer()
    assert answer.get("text") == ONLY_ADMINS and answer.get("show_alert") is True
    assert await _denied(clean_database) == before + 1
    assert await _roles(clean_database) == [(7102, "staff", ADA.id), (7102, "hr", ADA.id)]

    # A non-administrator's forwarded message is not theirs to act on: it goes on to the usual answer.
    mallory._seen = fake.mark()
    await fake.forward_message(mallory.user, li.user, "你好")
    reply = await mallory.expect(lambda message: True)
    assert "This message is from" not in message_text(reply) and "李" not in message_text(reply)
    assert "/help" in message_text(reply)

    # Forward again: the card shows what Li holds now; remove both, Li is told each time in Chinese.
    card = await _forward(ada, li.user, "再见", expect="This message is from")
    assert [button["text"] for button in inline_buttons(card)] == ["Remove checkpoint staff", "Remove HR", REVIEWER_OFF]
    await ada.press("Remove HR", expect="Done: 7102 (@li_hr) is no longer HR.", message=card)
    await li.expect("您已不再是人事部门人员")
    await ada.press("Remove checkpoint staff", expect="is no longer checkpoint staff", message=card)
    await li.expect("您已不再是卡口工作人员")
    assert await _roles(clean_database) == []
    # A stale button of the first card: nothing to revoke, and it says so.
    await ada.press("Remove checkpoint staff", expect="is not checkpoint staff. Nothing changed.", message=card_now)

    # Someone whose forwards hide their account: named only by a name, so the admin must use id or @username.
    hidden = await _forward(ada, "Hidden <Person>", "hi", expect="hides their account")
    assert "Hidden &lt;Person&gt;" not in message_text(hidden) and "Hidden <Person>" in message_text(hidden)
    assert "@username" in message_text(hidden) and not inline_buttons(hidden)

    entries = [(entry.action, entry.subject_id, entry.details) for entry in await _audit(clean_database)]
    assert entries == [
        ("grant", 7102, {"role": "staff"}),
        ("grant", 7102, {"role": "hr"}),
        ("denied", None, {"attempted": "revoke"}),
        ("revoke", 7102, {"role": "hr"}),
        ("revoke", 7102, {"role": "staff"}),
    ]
