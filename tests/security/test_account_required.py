"""Issue 13 item 2: the commands that need an account say the same "no code yet" to those without one as
they did when each checked `account is None` itself, and still answer those with one."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.checkin.keyboards import CheckInAnswer, CheckInCallback
from bot.codes.keyboards import WhyColour
from bot.codes.sending import CodeService
from bot.registration.questions import Registration
from bot.sandbox.emulator import FakeUser
from bot.status import handlers as status_handlers
from tests.inprocess import Harness, texts

NEWCOMER = FakeUser(id=30, first_name="New", language_code="en")
MEMBER = FakeUser(id=40, first_name="Member", language_code="en")

NO_CODE = "You have no code yet. Send /start to answer the health questions."
NO_CODE_IN_FORM = "You have no code yet: it comes when you finish the questions above, or send /cancel."
NEEDING_AN_ACCOUNT = ["/code", "my code", "show me my health code please", "/status"]
# These always pointed to /start, even with a form's state left over.
POINTING_TO_START = ["/update", "update", "更新"]
# So did the check-in (it checked `account is None` itself); with an account but no declaration it says the same.
CHECKING_IN = ["/checkin", "check in", "打卡"]


@pytest.mark.parametrize("text", NEEDING_AN_ACCOUNT)
async def test_someone_without_an_account_is_told_to_start(harness: Harness, text: str) -> None:
    harness.fake.add_user(NEWCOMER)
    assert texts(await harness.send(NEWCOMER, text)) == [NO_CODE]


@pytest.mark.parametrize("text", NEEDING_AN_ACCOUNT)
async def test_someone_without_an_account_in_the_form_is_told_to_finish_it(harness: Harness, text: str) -> None:
    harness.fake.add_user(NEWCOMER)
    key = StorageKey(bot_id=harness.bot.id, chat_id=NEWCOMER.id, user_id=NEWCOMER.id)
    await harness.dispatcher.fsm.storage.set_state(key, Registration.full_name)
    assert texts(await harness.send(NEWCOMER, text)) == [NO_CODE_IN_FORM]


@pytest.mark.parametrize("text", NEEDING_AN_ACCOUNT)
async def test_someone_with_an_account_reaches_the_command(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    seen: list[Account] = []

    async def code(self: CodeService, message: Message, account: Account, **options: Any) -> None:
        seen.append(account)

    async def status(session: AsyncSession, account: Account, *args: Any) -> tuple[str, None]:
        seen.append(account)
        return "status", None

    monkeypatch.setattr(CodeService, "send", code)
    monkeypatch.setattr(status_handlers, "_status_text", status)
    await harness.add_account(MEMBER)
    answers = texts(await harness.send(MEMBER, text))
    assert [account.id for account in seen] == [MEMBER.id]
    assert NO_CODE not in answers


@pytest.mark.parametrize("text", [*POINTING_TO_START, *CHECKING_IN])
@pytest.mark.parametrize("in_form", [False, True])
async def test_update_and_checkin_without_an_account_point_to_start(harness: Harness, text: str, in_form: bool) -> None:
    harness.fake.add_user(NEWCOMER)
    if in_form:
        key = StorageKey(bot_id=harness.bot.id, chat_id=NEWCOMER.id, user_id=NEWCOMER.id)
        await harness.dispatcher.fsm.storage.set_state(key, Registration.full_name)
    assert texts(await harness.send(NEWCOMER, text)) == [NO_CODE]


@pytest.mark.parametrize("text", POINTING_TO_START)
async def test_update_with_an_account_reaches_the_command(harness: Harness, text: str) -> None:
    await harness.add_account(MEMBER)
    answers = texts(await harness.send(MEMBER, text))
    assert answers and NO_CODE not in answers


async def test_the_fallback_takes_nothing_else(harness: Harness) -> None:
    harness.fake.add_user(NEWCOMER)
    [notice] = texts(await harness.send(NEWCOMER, "/start"))
    assert NO_CODE not in notice


@pytest.mark.parametrize("text", CHECKING_IN)
async def test_checkin_with_an_account_but_no_declaration_points_to_start(harness: Harness, text: str) -> None:
    """Past the filter, the use case finds no declaration: the same answer, and no check-in begun."""
    await harness.add_account(MEMBER)
    assert texts(await harness.send(MEMBER, text)) == [NO_CODE]
    key = StorageKey(bot_id=harness.bot.id, chat_id=MEMBER.id, user_id=MEMBER.id)
    assert await harness.dispatcher.fsm.storage.get_state(key) is None


@pytest.mark.parametrize(
    "data",
    [CheckInCallback(answer=CheckInAnswer.START).pack(), WhyColour().pack()],
    ids=["check in button", "why this colour"],
)
async def test_a_button_without_an_account_points_to_start(harness: Harness, data: str) -> None:
    harness.fake.add_user(NEWCOMER)
    calls = await harness.press(NEWCOMER, data)
    assert texts(calls) == [NO_CODE]
    assert [call.method for call in calls].count("answerCallbackQuery") == 1
