"""Organizations end to end: administrators create them and name HR members, people join by invite link, HR
sees counts, lists and a CSV file of their own organization only, reminds members (who blocked the bot
counted as blocked), and a daily reminder fires once at a moved clock."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
from PIL import Image
from sqlalchemy import func, select

from bot.db.engine import create_engine, create_session_factory
from bot.db.models import AuditEntry, Broadcast, BroadcastRecipient, FsmState, Organization, User
from bot.db.repositories.organizations import OrganizationRepository
from bot.domain.answers import Contact
from bot.registration.service import submit_declaration
from bot.sandbox.emulator import FakeTelegram, FakeUser
from bot.sandbox.process import PROJECT_ROOT as ROOT
from tests.people import Person, count_rows, inline_buttons, message_text
from tests.scenarios import register
from tests.stories import answers

ZONE = ZoneInfo("Asia/Shanghai")  # the bot's TIMEZONE in the harness
DAY = date(2026, 3, 2)
ONLY_ADMINS = "Only administrators can do that."
ONLY_HR = "Only the HR members of an organization can do that."
ADA = FakeUser(id=8001, first_name="Ada", username="ada_admin", language_code="en")
HANNA = FakeUser(id=8002, first_name="Hanna", username="hanna_hr", language_code="en")
OTTO = FakeUser(id=8003, first_name="Otto", username="otto_hr", language_code="zh-hans")
MALLORY = FakeUser(id=8004, first_name="Mallory", language_code="en")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE)


@dataclass
class Seed:
    """A member put straight into the database, as if they had registered on `declared` (None: not yet)."""

    user: FakeUser
    name: str | None = None
    declared: datetime | None = None
    language: str = "en"
    changes: dict[str, Any] = field(default_factory=dict)


async def seed(fake: FakeTelegram, database_url: str, organization_id: int, people: list[Seed]) -> None:
    engine = create_engine(database_url, pool_size=1)
    sessions = create_session_factory(engine)
    try:
        for person in people:
            fake.add_user(person.user)
            since = person.declared or at(DAY, 0)
            async with sessions.begin() as session:
                session.add(
                    User(
                        id=person.user.id,
                        public_id=person.user.id * 7919,
                        language=person.language,
                        privacy_accepted_at=since,
                        created_at=since,
                    )
                )
                await session.flush()
                # As joining by invite does: the membership and its member number.
                await OrganizationRepository(session).set_membership(person.user.id, organization_id)
            if person.declared is not None:
                async with sessions() as session:
                    await submit_declaration(
                        session,
                        person.user.id,
                        answers(full_name=person.name, **person.changes),
                        person.declared,
                        ZONE,
                    )
    finally:
        await engine.dispose()


async def scalar(database_url: str, statement: Any) -> Any:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(statement)
    finally:
        await engine.dispose()


async def rows(database_url: str, statement: Any) -> list[Any]:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return list(await connection.execute(statement))
    finally:
        await engine.dispose()


async def organization_of(database_url: str, user_id: int) -> int | None:
    return await scalar(database_url, select(User.organization_id).where(User.id == user_id))


async def denied(database_url: str) -> list[tuple[int, dict[str, Any]]]:
    entries = await rows(
        database_url, select(AuditEntry.actor_id, AuditEntry.details).where(AuditEntry.action == "denied")
    )
    return [(actor, details) for actor, details in entries]


async def create_organization(ada: Person, name_en: str, name_zh: str) -> tuple[int, str]:
    """The new organization's number and invite code, as the administrator reads them."""
    text = message_text(await ada.say(f"/org new {name_en} | {name_zh}", expect="created"))
    number = re.search(r"Organization (\d+) created", text)
    link = re.search(r"https://t\.me/health_code_test_bot\?start=join-([A-Za-z0-9_-]{12})(?:\s|$)", text)
    assert number and link, text
    return int(number[1]), link[1]


async def make_hr(ada: Person, organization_id: int, person: Person, told: str) -> None:
    ada.fake.add_user(person.user)  # they have started the bot, so it can write to them
    person._seen = ada.fake.mark()
    reply = await ada.say(f"/org hr {organization_id} {person.user.id}", expect="Done")
    assert "They will be told in a moment." in message_text(reply)
    await person.expect(told)


def button_data(message: dict[str, Any], label: str) -> str:
    [data] = [button["callback_data"] for button in inline_buttons(message) if label in button["text"]]
    return data


def as_now(fake: FakeTelegram, person: Person, message: dict[str, Any]) -> dict[str, Any]:
    """The bot's message as it is now in the chat, after edits."""
    return next(m for m in fake.chat_messages(person.user) if m["message_id"] == message["message_id"])


def texts_to(fake: FakeTelegram, user: FakeUser, after: int = 0) -> list[str]:
    """What `user` read (formatting applied) in the messages the bot sent them since `after`."""
    return [
        message_text(call.result)
        for call in fake.calls[after:]
        if call.method == "sendMessage" and call.ok and int(call.params["chat_id"]) == user.id
    ]


async def wait_until(predicate: Any, timeout: float = 15, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await predicate() if asyncio.iscoroutinefunction(predicate) else predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# --- Organizations and invites ---------------------------------------------------------------------------


async def test_administrators_create_organizations_and_people_join_by_invite(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    await start_bot("polling", now=at(DAY, 9), admin_ids=[ADA.id])
    ada, mallory = Person(fake, ADA), Person(fake, MALLORY)

    # Anyone else: the same refusal whatever they ask, and audited.
    for attempt in ("/org new Evil | 坏", "/orgs", "/org hr 1 8004", "/org"):
        assert message_text(await mallory.say(attempt, expect=lambda message: True)) == ONLY_ADMINS, attempt
    assert [details["attempted"] for _actor, details in await denied(clean_database)] == [
        "org new",
        "orgs",
        "org hr",
        "org",
    ]
    await ada.say("/org new Only English", expect="separated by “|”")
    await ada.say("/org", expect="/org new English name | 中文名")
    uni, uni_code = await create_organization(ada, "Ningbo University", "宁波大学")
    office, office_code = await create_organization(ada, "Zhejiang <Office>", "浙江办事处")

    # Someone new opens the link: the language, the privacy notice (which says they will join), and on
    # "I agree" the account, the organization and the first question. Nothing is stored before that press.
    wei = Person(fake, FakeUser(id=8101, first_name="Wei", language_code="en"))
    welcome = await wei.say(f"/start join-{uni_code}", expect="You were invited to join Ningbo University")
    assert [button["text"] for button in inline_buttons(welcome)] == ["English", "中文"]
    notice = await wei.press("English", expect="Privacy notice")
    assert "When you agree, you also join Ningbo University." in message_text(notice)
    assert "never your answers" in message_text(notice)
    assert await count_rows(clean_database, User) == 0
    assert await count_rows(clean_database, FsmState) == 0
    await wei.press("I agree", expect="You are now a member of Ningbo University.")
    await wei.expect("What is your full name")
    assert await organization_of(clean_database, wei.user.id) == uni

    # In Chinese: the organization's Chinese name throughout.
    mei = Person(fake, FakeUser(id=8103, first_name="梅", language_code="zh-hans"))
    welcome = await mei.say(f"/start join-{uni_code}", expect="请选择语言")
    assert "宁波大学" in message_text(welcome)
    assert "宁波大学" in message_text(await mei.press("中文", expect="隐私"))
    await mei.press("同意", expect="宁波大学")
    await mei.expect("姓名")
    assert await organization_of(clean_database, mei.user.id) == uni

    # Someone registered: asked first; then already a member; another organization's link says it moves them.
    jane = Person(fake, FakeUser(id=8102, first_name="Jane", language_code="en"))
    await register(fake, jane)
    question = await jane.say(f"/start join-{uni_code}", expect="Join Ningbo University?")
    assert "never your answers" in message_text(question) and "leaves it" not in message_text(question)
    await jane.press("Join", expect="You are now a member of Ningbo University.")
    assert await organization_of(clean_database, jane.user.id) == uni
    await jane.say(f"/start join-{uni_code}", expect="You are already a member of Ningbo University.")
    moving = await jane.say(f"/start join-{office_code}", expect="Join Zhejiang <Office>?")
    assert "You belong to Ningbo University now; joining leaves it" in message_text(moving)
    await jane.press("Cancel", expect="Nothing changed.")
    assert await organization_of(clean_database, jane.user.id) == uni
    await jane.press("Join", expect="You left Ningbo University.", message=moving)
    assert await organization_of(clean_database, jane.user.id) == office

    # Unknown invites, typed or forged into a button: a clear answer, nothing changes.
    await jane.say("/start join-NoSuchCode01", expect="This invite link is not valid")
    await wei.say("/start join-", expect="This invite link is not valid")
    jane._seen = fake.mark()
    await fake.press_button(jane.user, moving, "join:NoSuchCode01:1")
    await jane.expect("This invite link is not valid")
    assert await organization_of(clean_database, jane.user.id) == office
    # Other /start payloads still go on (a plain /start to onboarding).
    await jane.say("/start", expect="Welcome back")

    listing = message_text(await ada.say("/orgs", expect="Organizations"))
    assert f"{uni}. Ningbo University / 宁波大学" in listing
    assert f"{office}. Zhejiang <Office> / 浙江办事处" in listing
    assert "Members: 2; HR members: 0; daily reminder: off" in listing  # Wei and Mei
    assert "Members: 1; HR members: 0; daily reminder: off" in listing  # Jane
    assert f"https://t.me/health_code_test_bot?start=join-{uni_code}" in listing

    # HR members: the person is told in their language (the organization's name in it, too).
    otto = Person(fake, OTTO)
    await otto.say("/start", expect="请选择语言")
    await otto.press("中文", expect="隐私")
    await otto.press("同意", expect="姓名")
    await otto.say("奥托", expect="国籍")  # his @username is known once he writes after agreeing
    await make_hr(ada, office, otto, told="浙江办事处")
    await ada.say(f"/org hr {office} @otto_hr", expect="is already an HR member of Zhejiang <Office>. Nothing changed.")
    await ada.say("/org hr 999 @otto_hr", expect="There is no organization 999.")
    await ada.say("/org hr 1 @nobody_here", expect="I do not know @nobody_here")
    otto._seen = fake.mark()
    await ada.say(
        f"/org unhr {office} 8003",
        expect="is no longer an HR member of Zhejiang <Office>. They will be told in a moment.",
    )
    await otto.expect("浙江办事处")
    grants = await rows(
        clean_database,
        select(AuditEntry.action, AuditEntry.subject_id, AuditEntry.details)
        .where(AuditEntry.action.in_(["grant", "revoke"]))
        .order_by(AuditEntry.id),
    )
    assert [tuple(row) for row in grants] == [
        ("grant", 8003, {"role": "hr", "organization_id": office}),
        ("revoke", 8003, {"role": "hr", "organization_id": office}),
    ]


# --- The HR view -----------------------------------------------------------------------------------------


async def test_hr_sees_counts_lists_and_a_csv_file_of_their_own_organization_only(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    now = at(DAY, 10)
    yesterday = now - timedelta(days=1)
    await start_bot("polling", now=now, admin_ids=[ADA.id])
    ada, hanna, otto, mallory = Person(fake, ADA), Person(fake, HANNA), Person(fake, OTTO), Person(fake, MALLORY)
    uni, _code = await create_organization(ada, "Ningbo University", "宁波大学")
    office, _code = await create_organization(ada, "Zhejiang Office", "浙江办事处")
    fillers = [
        Seed(FakeUser(id=9100 + index, first_name="M"), f"Member {index:02}", yesterday) for index in range(1, 22)
    ]
    await seed(
        fake,
        clean_database,
        uni,
        [
            Seed(FakeUser(id=9001, first_name="Z"), "张伟", now, "zh"),
            Seed(
                FakeUser(id=9002, first_name="B"),
                "Bob Red",
                yesterday,
                changes={"contacts": frozenset({Contact.CONFIRMED_CASE})},
            ),
            Seed(FakeUser(id=9003, first_name="F"), '=HYPERLINK("http://x")', yesterday),
            Seed(FakeUser(id=9004, first_name="N")),
            *fillers,
        ],
    )
    await seed(fake, clean_database, office, [Seed(FakeUser(id=9201, first_name="O"), "Other <Person>", now)])
    await make_hr(ada, uni, hanna, told="You are now an HR member of Ningbo University.")
    # Otto has no account: he is told in the default language, which names the organization in English.
    await make_hr(ada, office, otto, told="You are now an HR member of Zhejiang Office.")

    # /help shows an HR member the HR commands, and nobody else who is not an administrator.
    assert "/remind" in message_text(await hanna.say("/help", expect="HR office"))
    assert "HR office" not in message_text(await mallory.say("/help", expect="Commands"))

    # /report: today's counts, for Hanna's organization alone, and under them the 14 days' chart.
    mark = fake.mark()
    report = await hanna.say("/report", expect="Members:")
    photo = await fake.wait_for_call("sendPhoto", after=mark, timeout=30)
    assert int(photo.params["chat_id"]) == HANNA.id
    chart = Image.open(io.BytesIO(photo.files["photo"]))
    assert chart.format == "PNG" and chart.size == (800, 450)
    lines = message_text(report).splitlines()
    assert lines[0] == "Ningbo University, March 2, 2026"
    for line in (
        "Members: 25",
        "Checked in today: 1",
        "Not checked in yet: 24",
        "🟢 Green: 23",
        "🟡 Yellow: 0",
        "🔴 Red: 1",
        "⚪ No code yet: 1",
    ):
        assert line in lines, (line, lines)
    assert [button["text"] for button in inline_buttons(report)] == [
        "Not checked in (24)",
        "Not green (2)",
        "CSV file",
        "Excel file",
        "Send a reminder",
    ]

    # The lists: names and colours only, by name, paged.
    first = await hanna.press("Not checked in (24)", expect="not checked in on March 2, 2026: 24", message=report)
    first_lines = message_text(first).splitlines()
    assert first_lines[2:5] == ['1. =HYPERLINK("http://x"): 🟢 green', "2. Bob Red: 🔴 red", "3. Member 01: 🟢 green"]
    assert "Page 1 of 2" in first_lines and "张伟" not in message_text(first)
    assert [button["text"] for button in inline_buttons(first)] == ["Next ▶"]
    await hanna.press("Next ▶", message=first)
    await wait_until(lambda: "Page 2 of 2" in message_text(as_now(fake, hanna, first)), what="page 2")
    second = as_now(fake, hanna, first)
    assert message_text(second).splitlines()[2:6] == [
        "21. Member 19: 🟢 green",
        "22. Member 20: 🟢 green",
        "23. Member 21: 🟢 green",
        "24. (no name yet): ⚪ no code yet",
    ]
    assert [button["text"] for button in inline_buttons(second)] == ["◀ Previous"]
    not_green = await hanna.press("Not green (2)", expect="not green on March 2, 2026: 2", message=report)
    assert message_text(not_green).splitlines()[2:] == ["1. Bob Red: 🔴 red", "2. (no name yet): ⚪ no code yet"]
    for private in ("Passport", "E12345678", "Taikang", "+86", "36.6", "contact", "confirmed"):
        assert private not in message_text(not_green) + message_text(first) + message_text(second)

    # The CSV file: UTF-8 with a byte order mark (Excel), Chinese names intact, formulas made text.
    mark = fake.mark()
    await hanna.press("CSV file", message=report)
    upload = await fake.wait_for_call("sendDocument", after=mark)
    assert int(upload.params["chat_id"]) == HANNA.id
    assert upload.result["document"]["file_name"] == f"members-{uni}-2026-03-02.csv"
    assert "Ningbo University: members on March 2, 2026" in upload.result["caption"]
    data = upload.files["document"]
    assert data.startswith(b"\xef\xbb\xbf")
    numbered = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert numbered[0] == ["Member no.", "Name", "Colour", "Checked in today", "Last check-in"]
    # A member number each, given as they joined, never a Telegram id: two of one name are told apart.
    numbers = [row[0] for row in numbered[1:]]
    assert sorted(map(int, numbers)) == list(range(1, 26))
    table = [row[1:] for row in numbered]
    assert len(table) == 26
    assert table[1] == ['\'=HYPERLINK("http://x")', "green", "no", "2026-03-01"]
    assert ["Bob Red", "red", "no", "2026-03-01"] in table
    assert ["张伟", "green", "yes", "2026-03-02"] in table
    assert table[-1] == ["", "no code yet", "no", ""]

    # The same as an Excel workbook: the header frozen, the colour filled, the formula-like name plain text.
    mark = fake.mark()
    await hanna.press("Excel file", message=report)
    upload = await fake.wait_for_call("sendDocument", after=mark)
    assert upload.result["document"]["file_name"] == f"members-{uni}-2026-03-02.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(upload.files["document"])).active
    assert sheet is not None and sheet.freeze_panes == "A2"
    cells = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    assert [cell.value for cell in sheet[1]] == numbered[0]
    assert cells["张伟"][2].value == "green" and cells["张伟"][2].fill.fgColor.rgb == "00C6EFCE"
    assert cells["Bob Red"][2].fill.fgColor.rgb == "00FFC7CE"
    assert cells['=HYPERLINK("http://x")'][1].data_type == "s"
    assert sorted(row[0].value for row in cells.values()) == list(range(1, 26))

    # Another organization's members: refused exactly as a stranger is, whatever the button carries.
    before = len(await denied(clean_database))
    for forged in (
        button_data(report, "Not green").replace(f"hrlist:{uni}:", f"hrlist:{office}:"),
        f"hrcsv:{office}",
        f"hrxlsx:{office}",
        f"orgpick:report:{office}:",
        f"orgpick:remind:{office}:",
        f"orgpick:schedule:{office}:0830",
    ):
        hanna._seen = fake.mark()
        await fake.press_button(hanna.user, report, forged)
        answer = await hanna.callback_answer()
        assert answer.get("text") == ONLY_HR and answer.get("show_alert") is True, (forged, answer)
        assert hanna.bot_messages(hanna._seen) == [], "nothing else is said"
    assert fake.calls[-1].method != "sendDocument"
    refusals = (await denied(clean_database))[before:]
    assert [(actor, details["attempted"], details["organization_id"]) for actor, details in refusals] == [
        (HANNA.id, "members", office),
        (HANNA.id, "export", office),
        (HANNA.id, "export", office),
        (HANNA.id, "report", office),
        (HANNA.id, "remind", office),
        (HANNA.id, "schedule", office),
    ]
    assert (await scalar(clean_database, select(func.count()).select_from(Broadcast))) == 0

    # A stranger gets the same words; Otto sees his own organization, in Chinese; Ada chooses among all.
    for command in ("/report", "/remind", "/schedule 08:00"):
        assert message_text(await mallory.say(command, expect=lambda message: True)) == ONLY_HR
    assert "浙江办事处" in message_text(await otto.say("/report", expect="浙江办事处"))
    choice = await ada.say("/report", expect="Which organization?")
    assert [button["text"] for button in inline_buttons(choice)] == ["Ningbo University", "Zhejiang Office"]
    theirs = await ada.press("Zhejiang Office", expect="Members: 1", message=choice)
    assert "Checked in today: 1" in message_text(theirs)


# --- Reminders -------------------------------------------------------------------------------------------


async def test_remind_those_not_checked_in_with_own_text_and_blocked_users_counted(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    now = at(DAY, 10)
    yesterday = now - timedelta(days=1)
    await start_bot("polling", now=now, admin_ids=[ADA.id])
    ada, hanna = Person(fake, ADA), Person(fake, HANNA)
    uni, _code = await create_organization(ada, "Ningbo University", "宁波大学")
    ann = FakeUser(id=9301, first_name="Ann")
    li = FakeUser(id=9302, first_name="Li", language_code="zh-hans")
    bo = FakeUser(id=9303, first_name="Bo")
    blocky = FakeUser(id=9304, first_name="Blocky")
    await seed(
        fake,
        clean_database,
        uni,
        [
            Seed(ann, "Ann Done", now),
            Seed(li, "李雷", yesterday, "zh"),
            Seed(bo, "Bo Late", yesterday),
            Seed(blocky, "Blocky", yesterday),
        ],
    )
    fake.set_blocked(blocky)
    await make_hr(ada, uni, hanna, told="You are now an HR member")

    # Nobody is not green: it says so and sends nothing.
    await hanna.say("/remind", expect="Who should get it?")
    preview = await hanna.press(
        "Not green", expect="Ningbo University: a reminder to members who are not green (0 now)."
    )
    await hanna.press("Send this", expect="Nobody to remind: every member is green. Nothing was sent.", message=preview)
    assert await count_rows(clean_database, Broadcast) == 0

    # Those not checked in: the default text in both languages, then HR's own.
    await hanna.say("/remind", expect="Who should get it?")
    preview = await hanna.press("Not checked in today", expect="a reminder to members who have not checked in today")
    text = message_text(preview)
    assert "(3 now)." in text
    assert "English\n" in text and "中文\n" in text and text.count("/checkin") == 2
    await hanna.press("Write my own text", expect="at most 1000 characters", message=preview)
    await hanna.send_sticker(expect="Please send the reminder as a text message")
    await hanna.say("x" * 1001, expect="That is 1001 characters")
    own = "Please check in before <b>noon</b> & thank you"
    second = await hanna.say(own, expect="a reminder to members who have not checked in today")
    assert message_text(second).count(own) == 2, "shown exactly as typed, in both languages"
    # The first preview showed another text: its button is out of date, and sends nothing.
    hanna._seen = fake.mark()
    await fake.press_button(hanna.user, preview, button_data(preview, "Send this"))
    assert (await hanna.callback_answer()).get("text") == "That button belongs to an earlier message."
    assert await count_rows(clean_database, Broadcast) == 0
    mark = fake.mark()
    await hanna.press("Send this", expect="Sending the reminder", message=second)

    # Li and Bo get it, exactly as typed; Ann (checked in) does not; Blocky's is counted as blocked.
    await wait_until(
        lambda: all(any(own in text for text in texts_to(fake, person, mark)) for person in (li, bo)),
        what="the reminders",
    )
    progress = await hanna.expect("Reminder finished", timeout=30)
    assert "Sent 2, blocked 1, failed 0 of 3." in message_text(progress)
    assert texts_to(fake, ann, mark) == []
    assert any(text.startswith("📢 来自您所在单位人事部门的通知：") for text in texts_to(fake, li, mark)), (
        "who it is from"
    )
    # Under HR's own words, the check-in button: it starts the check-in as /checkin does.
    li_chat = Person(fake, li)
    li_chat._seen = fake.mark()
    await li_chat.press("✅ 打卡", expect="每日打卡")
    job = await rows(
        clean_database, select(Broadcast.organization_id, Broadcast.created_by, Broadcast.audience, Broadcast.text)
    )
    assert [tuple(row) for row in job] == [(uni, HANNA.id, "not_checked_in", own)]
    states = await rows(clean_database, select(BroadcastRecipient.user_id, BroadcastRecipient.state))
    assert sorted(tuple(row) for row in states) == [(li.id, "sent"), (bo.id, "sent"), (blocky.id, "blocked")]

    # The old buttons change nothing: the reminder is sent once.
    for message in (second, preview):
        hanna._seen = fake.mark()
        await fake.press_button(hanna.user, message, button_data(message, "Send this"))
        assert (await hanna.callback_answer()).get("text") == "That button belongs to an earlier message."
    assert await count_rows(clean_database, Broadcast) == 1

    # The report now counts who blocked the bot.
    report = await hanna.say("/report", expect="Members: 4")
    assert "⛔ Blocked this bot: 1" in message_text(report)

    # /cancel while writing: nothing is sent, and the next text is not taken for a reminder.
    await hanna.press("Send a reminder", expect="Who should get it?", message=report)
    await hanna.press("Everyone", expect="a reminder to every member (4 now).")
    await hanna.press("Write my own text", expect="at most 1000 characters")
    await hanna.say("/cancel", expect="Cancelled. Nothing was sent.")
    reply = await hanna.say("Hello there", expect=lambda message: True)
    assert "a reminder to" not in message_text(reply)
    assert await count_rows(clean_database, Broadcast) == 1


async def test_a_daily_reminder_fires_once_a_day_at_its_time(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    app = (ROOT / "bot" / "app.py").read_text(encoding="utf-8")
    assert "fire_due_now" in app, "bot/app.py does not start bot.organizations.scheduler.fire_due_now yet"
    process = await start_bot("polling", now=at(DAY, 8), admin_ids=[ADA.id])
    ada, hanna, mallory = Person(fake, ADA), Person(fake, HANNA), Person(fake, MALLORY)
    uni, _code = await create_organization(ada, "Ningbo University", "宁波大学")
    ann = FakeUser(id=9401, first_name="Ann")
    li = FakeUser(id=9402, first_name="Li", language_code="zh-hans")
    cy = FakeUser(id=9403, first_name="Cy")
    yesterday = at(DAY - timedelta(days=1), 10)
    await seed(
        fake,
        clean_database,
        uni,
        [Seed(ann, "Ann", yesterday), Seed(li, "李雷", yesterday, "zh"), Seed(cy, "Cy", at(DAY, 7))],
    )
    await make_hr(ada, uni, hanna, told="You are now an HR member")

    await hanna.say("/schedule", expect="The daily reminder of Ningbo University is off.")
    await hanna.say("/schedule 25:00", expect="“25:00” is not a time of day.")
    assert message_text(await mallory.say("/schedule 09:00", expect=lambda message: True)) == ONLY_HR
    reply = await hanna.say("/schedule 8:30", expect="Done")
    assert "reminded every day at 08:30." in message_text(reply) and "tomorrow" not in message_text(reply)
    await hanna.say("/schedule", expect="every day at 08:30")

    # 08:31: Ann and Li (not checked in today) get the default reminder, once; Cy (checked in) nothing.
    mark = fake.mark()
    process.set_clock(at(DAY, 8, 31))
    await wait_until(lambda: texts_to(fake, ann, mark) and texts_to(fake, li, mark), what="the daily reminder")

    async def sent_and_claimed() -> bool:
        # The job has sent all it will, and the day is claimed: no later look of the scheduler fires it again
        # (fire_due looked at four times at once: tests/organizations/test_service.py).
        [(status, reminded_on)] = await rows(
            clean_database, select(Broadcast.status, Organization.reminded_on).join(Organization)
        )
        return bool(status == "done" and reminded_on == DAY)

    await wait_until(sent_and_claimed, what="the reminder's job to finish")
    assert len(texts_to(fake, ann, mark)) == 1 and "/checkin" in texts_to(fake, ann, mark)[0]
    assert len(texts_to(fake, li, mark)) == 1 and "/checkin" in texts_to(fake, li, mark)[0]
    assert texts_to(fake, cy, mark) == []
    jobs = await rows(clean_database, select(Broadcast.organization_id, Broadcast.created_by, Broadcast.text))
    assert [tuple(row) for row in jobs] == [(uni, None, None)]

    # The next day at the same time: all three (nobody has checked in yet that day).
    mark = fake.mark()
    process.set_clock(at(DAY + timedelta(days=1), 8, 30))
    await wait_until(
        lambda: all(texts_to(fake, user, mark) for user in (ann, li, cy)), what="the second day's reminder"
    )
    assert await count_rows(clean_database, Broadcast) == 2

    # Off: the day after, nothing. A second organization's reminder, with no one to remind, shows when the
    # scheduler has looked at that day: every due reminder is fired in the same look.
    await hanna.say("/schedule off", expect="Done: the daily reminder of Ningbo University is off.")
    witness, _code = await create_organization(ada, "Witness College", "见证学院")
    await make_hr(ada, witness, mallory, told="You are now an HR member")
    await mallory.say("/schedule 8:00", expect="Done")
    mark = fake.mark()
    third_day = DAY + timedelta(days=2)
    process.set_clock(at(third_day, 9))

    async def witness_reminded() -> bool:
        statement = select(Organization.reminded_on).where(Organization.id == witness)
        [(reminded_on,)] = await rows(clean_database, statement)
        return bool(reminded_on == third_day)

    await wait_until(witness_reminded, what="the scheduler's look on the third day")
    assert not any(texts_to(fake, user, mark) for user in (ann, li, cy))
    assert await count_rows(clean_database, Broadcast) == 2
