"""Issue 12, item 5: forged buttons, through the whole dispatcher and the fake Bot API.

A number above 2^63 in a button (`hrcsv:99999999999999999999`) reached a query: a database error, an
apology and a traceback in the log. Every number of every CallbackData is now bounded (0 <= n < 2^63),
so such a button does not parse and gets the answer any button of an earlier message gets. And an
organization's handlers check the presser's role before the organization is read.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import Organization, Role
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import ADMIN, NOW, Harness, logged_errors, texts

HUGE = "99999999999999999999"
STALE = "That button belongs to an earlier message."
NOBODY = FakeUser(id=40, first_name="Mallory", language_code="en")
HR = FakeUser(id=41, first_name="Hana", language_code="en")

FORGED = [
    f"hrcsv:{HUGE}",
    "hrcsv:-1",
    f"hrcsv:{2**63}",
    f"hrxlsx:{HUGE}",
    "hrxlsx:-1",
    f"hrlist:{HUGE}:all:0:0",
    f"hrlist:5:all:{HUGE}:0",
    f"hrlist:5:all:0:{HUGE}",
    f"orgpick:report:{HUGE}:",
    "orgpick:remind:-7:",
    f"remind:send:{HUGE}:abcd1234:all",
    f"join:acme-code:{HUGE}",
    f"role:grant:staff:{HUGE}",
    "role:grant:staff:-5",
    f"ckpt:{HUGE}:1",
    "ckpt:-3:0",
    "ckpt:5:2",
    "why:1",
    f"hist:0:{HUGE}",
    "hist:-1:5",
    f"del:erase:{HUGE}",
    "del:erase:-1",
    f"reg:full_name:{HUGE}:back:",
    f"rmd:at:{HUGE}",
    "rmd:at:-1",
    "rmd:at:1440",
    # A family member's id is negative: a positive one (a Telegram id) or one out of range does not parse.
    "famcode:5",
    f"famcode:-{HUGE}",
    f"famcode:-{2**62 + 1}",
    "famrel:nephew",
]


def _answers(calls: list[RecordedCall]) -> list[str]:
    return [str(call.params.get("text", "")) for call in calls if call.method == "answerCallbackQuery"]


async def _organization(harness: Harness) -> None:
    async with harness.sessions.begin() as session:
        session.add(
            Organization(id=5, name_en="Acme", name_zh="艾克米", invite_code="acme-code", created_by=1, created_at=NOW)
        )
    async with harness.sessions.begin() as session:
        session.add(Role(user_id=HR.id, role="hr", organization_id=5, granted_by=ADMIN.id, granted_at=NOW))


@pytest.mark.parametrize("presser", [ADMIN, HR, NOBODY], ids=["admin", "hr", "nobody"])
async def test_a_forged_number_is_an_old_button_not_an_error(
    harness: Harness, caplog: pytest.LogCaptureFixture, presser: FakeUser
) -> None:
    await _organization(harness)
    await harness.add_account(HR)
    harness.fake.add_user(NOBODY)
    answered = {}
    for data in FORGED:
        calls = await harness.press(presser, data)
        answered[data] = (_answers(calls), [text for text in texts(calls) if text != "…"])
    assert answered == dict.fromkeys(FORGED, ([STALE], [])), "each answered as an old button, and nothing sent"
    assert logged_errors(caplog) == []


@pytest.mark.parametrize("export", ["hrcsv", "hrxlsx"])
async def test_a_refused_press_does_not_read_the_organization(
    harness: Harness, engine: AsyncEngine, export: str
) -> None:
    await _organization(harness)
    harness.fake.add_user(NOBODY)
    statements: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        calls = await harness.press(NOBODY, f"{export}:5")
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert _answers(calls) == ["Only the HR members of an organization can do that."]
    assert [statement for statement in statements if "FROM organizations" in statement] == []
    assert any("FROM roles" in statement for statement in statements), "the role was what was checked"
    assert [call.method for call in calls if call.method == "sendDocument"] == []


@pytest.mark.parametrize("export", ["hrcsv", "hrxlsx"])
async def test_the_real_button_still_works(harness: Harness, export: str) -> None:
    await _organization(harness)
    await harness.add_account(HR)
    calls = await harness.press(HR, f"{export}:5")
    assert _answers(calls) == [""]
    assert [call.method for call in calls if call.method == "sendDocument"] == ["sendDocument"]


async def test_an_org_number_too_long_for_the_database_is_a_usage_error(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.add_account(HR, username=None)
    [answer] = texts(await harness.send(ADMIN, f"/org hr {HUGE} {HR.id}"))
    assert "went wrong" not in answer and "/org" in answer
    assert logged_errors(caplog) == []
