"""/history end to end: the bot in this process (tests/inprocess.py) against the fake Bot API, with earlier days written to the database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from bot.db.engine import create_engine
from bot.db.models import CheckIn
from bot.sandbox.emulator import FakeTelegram, FakeUser
from tests.people import Person, inline_buttons, message_text
from tests.scenarios import onboard, register

ZONE = ZoneInfo("Asia/Shanghai")  # the bot's TIMEZONE in the harness
NOW = datetime(2026, 3, 20, 10, 0, tzinfo=ZONE)
TODAY = NOW.date()
ENTRY_MARKS = ("📝", "✅", "🟢", "🟡", "🔴")


def _long_english_day(day: date) -> str:
    """Babel's "long" English date, written out independently: "March 19, 2026"."""
    return f"{day:%B} {day.day}, {day.year}"


async def _add_checkins(database_url: str, user_id: int, days: list[date]) -> None:
    """Check-ins of earlier days, written as the check-in feature would; a cough on the 10th, for the labels."""
    rows: list[dict[str, Any]] = [
        {
            "user_id": user_id,
            "day": day,
            "temperature_c": 37.5 if day.day == 10 else 36.6,
            "symptoms": ["cough"] if day.day == 10 else [],
            "declaration_id": None,
            "reported_at": datetime.combine(day, time(9, 0), ZONE),
        }
        for day in days
    ]
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(CheckIn), rows)
    finally:
        await engine.dispose()


def _entries(message: dict[str, Any]) -> list[str]:
    return [line for line in message_text(message).split("\n") if line.startswith(ENTRY_MARKS)]


def _checkin_days(message: dict[str, Any]) -> list[str]:
    prefix = "✅ Check-in for "
    return [line[len(prefix) :].split(": ")[0] for line in _entries(message) if line.startswith(prefix)]


def _labels(message: dict[str, Any]) -> list[str]:
    return [button["text"] for button in inline_buttons(message)]


def _callback_data(message: dict[str, Any], label: str) -> str:
    [data] = [button["callback_data"] for button in inline_buttons(message) if label in button["text"]]
    return data


async def _press_data(
    fake: FakeTelegram, person: Person, message: dict[str, Any], data: str, then: str | None = None
) -> dict[str, Any]:
    """Press `data` (made up by the test) on `message`: the bot's answer to the press.

    `then`: a Bot API method the bot calls after answering, to wait for as well.
    """
    mark = fake.mark()
    update = await fake.press_button(person.user, message, data)
    # The answer to this very press: the previous press may still be answered after its edit was seen.
    query_id = update["callback_query"]["id"]
    answer = await fake.wait_for_call(
        "answerCallbackQuery", lambda call: str(call.params.get("callback_query_id")) == query_id, after=mark
    )
    if then is not None:
        await fake.wait_for_call(then, after=mark)
    return answer.params


def _current(fake: FakeTelegram, person: Person, message: dict[str, Any]) -> dict[str, Any]:
    [stored] = [m for m in fake.chat_messages(person.user) if m["message_id"] == message["message_id"]]
    return stored


async def test_history_pages_newest_first_and_refuses_forged_and_old_buttons(
    fake: FakeTelegram, start_bot, clean_database: str
) -> None:
    await start_bot("polling", now=NOW)

    # Nothing yet: no account, then an account without a declaration.
    tom = Person(fake, FakeUser(id=5301, first_name="Tom", language_code="en"))
    nothing = await tom.say("/history", expect="You have no history yet")
    assert "/start" in message_text(nothing) and not inline_buttons(nothing)
    await onboard(tom)
    await tom.say("/history", expect="You have no history yet")
    li = Person(fake, FakeUser(id=5303, first_name="Li", language_code="zh"))
    await li.say("/history", expect="您还没有任何记录")

    # Jane registers today (green), and has checked in on each of the fifteen days before.
    jane = Person(fake, FakeUser(id=5302, first_name="Jane", language_code="en"))
    await register(fake, jane)
    earlier = [TODAY - timedelta(days=offset) for offset in range(1, 16)]  # 19 March back to 5 March
    await _add_checkins(clean_database, jane.user.id, earlier)

    # 17 entries: the colour and the declaration of today (its report is part of it), and 15 check-ins.
    first = await jane.say("/history", expect="Your history")
    text = message_text(first)
    assert "Page 1 of 3" in text
    entries = _entries(first)
    assert len(entries) == 8
    assert entries[0].startswith("🟢 Colour: GREEN CODE")
    assert entries[1] == "📝 Declaration submitted: 36.6 °C, no symptoms"
    assert "Mar 20, 2026 10:00" in text, "the time of the declaration, in the bot's time zone"
    assert _checkin_days(first) == [_long_english_day(day) for day in earlier[:6]]
    assert _long_english_day(TODAY) not in _checkin_days(first), "today's report is the declaration's"
    assert "Jane Doe" not in text and "E12345678" not in text, "no personal answers"
    assert _labels(first) == ["Older ▶"]

    # Older: the message is edited in place, to the next eight.
    second = await jane.press("Older", expect="Page 2 of 3")
    assert second["message_id"] == first["message_id"]
    assert _checkin_days(second) == [_long_english_day(day) for day in earlier[6:14]]
    assert "✅ Check-in for March 10, 2026: 37.5 °C, Cough" in _entries(second)
    assert _labels(second) == ["◀ Newer", "Older ▶"]
    third = await jane.press("Older", expect="Page 3 of 3")
    assert _checkin_days(third) == [_long_english_day(earlier[14])]
    assert _labels(third) == ["◀ Newer"]
    back = await jane.press("Newer", expect="Page 2 of 3")
    assert _checkin_days(back) == _checkin_days(second)

    # Forged pages, out of range either way, show a real page; forged data the bot cannot read changes nothing.
    page, stamp = _callback_data(back, "Newer").split(":")[1:]
    assert page == "0"
    await _press_data(fake, jane, back, f"hist:999999:{stamp}")
    assert "Page 3 of 3" in message_text(_current(fake, jane, back))
    # A page no button can carry (below 0) is forged like any other unreadable data (SECURITY.md).
    for forged in (f"hist:-7:{stamp}", "hist:1:not-a-number", "hist:1", f"hist:1:{stamp}:5302"):
        answer = await _press_data(fake, jane, back, forged)
        assert answer.get("text") == "That button belongs to an earlier message.", forged
    assert "Page 3 of 3" in message_text(_current(fake, jane, back)) and inline_buttons(_current(fake, jane, back))
    # A well-formed button of another history (a wrong stamp) counts as an earlier message's: its buttons go.
    answer = await _press_data(fake, jane, back, "hist:1:1", then="editMessageReplyMarkup")
    assert answer.get("text") == "That button belongs to an earlier message."
    assert not inline_buttons(_current(fake, jane, back))

    # Another person pressing Jane's page buttons sees nothing of hers.
    tom_answer = await _press_data(fake, tom, nothing, f"hist:1:{stamp}", then="editMessageReplyMarkup")
    assert tom_answer.get("text") == "That button belongs to an earlier message."
    assert all("Check-in for" not in message_text(message) for message in fake.chat_messages(tom.user))

    # A new /history; then the history changes (a check-in for 4 March arrives): its buttons are an earlier message's.
    current = await jane.say("/history", expect="Page 1 of 3")
    await _add_checkins(clean_database, jane.user.id, [TODAY - timedelta(days=16)])
    answer = await _press_data(fake, jane, current, _callback_data(current, "Older"), then="editMessageReplyMarkup")
    assert answer.get("text") == "That button belongs to an earlier message."
    assert not inline_buttons(_current(fake, jane, current))
    assert "Page 1 of 3" in message_text(_current(fake, jane, current)), "the old message is left as it was"

    # /history again: its buttons work, and the new entry is on the last page.
    await jane.say("/history", expect="Page 1 of 3")
    await jane.press("Older", expect="Page 2 of 3")
    last = await jane.press("Older", expect="Page 3 of 3")
    assert _checkin_days(last) == [_long_english_day(earlier[14]), _long_english_day(TODAY - timedelta(days=16))]
