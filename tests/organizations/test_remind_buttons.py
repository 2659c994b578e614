"""The buttons of /remind through the whole dispatcher: one handler per step, picked by the router.

A button of the draft being prepared does what it says; one of another draft, one whose step or audience
no button carries, or a send without an audience is answered as a button of an earlier message and changes
nothing. The text the buttons carry is as before, so previews already in chats keep working.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select

from bot.broadcast.service import Audience
from bot.db.models import Broadcast, Organization, Role
from bot.organizations.keyboards import RemindAction, RemindStep
from bot.organizations.reminders.handlers import DRAFT, RemindFlow
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import ADMIN, NOW, Harness, texts

HR = FakeUser(id=41, first_name="Hana", language_code="en")
STALE = "That button belongs to an earlier message."


def _answers(calls: list[RecordedCall]) -> list[str]:
    return [str(call.params.get("text", "")) for call in calls if call.method == "answerCallbackQuery"]


def _buttons(calls: list[RecordedCall]) -> list[str]:
    return [
        str(button.get("callback_data", ""))
        for call in calls
        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
    ]


async def _hr(harness: Harness) -> None:
    async with harness.sessions.begin() as session:
        session.add(
            Organization(id=5, name_en="Acme", name_zh="艾克米", invite_code="acme-code", created_by=1, created_at=NOW)
        )
    await harness.add_account(HR)
    async with harness.sessions.begin() as session:
        session.add(Role(user_id=HR.id, role="hr", organization_id=5, granted_by=ADMIN.id, granted_at=NOW))


async def _conversation(harness: Harness) -> tuple[str | None, dict[str, Any]]:
    key = StorageKey(bot_id=harness.bot.id, chat_id=HR.id, user_id=HR.id)
    storage = harness.dispatcher.fsm.storage
    return await storage.get_state(key), await storage.get_data(key)


async def _jobs(harness: Harness) -> int:
    async with harness.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Broadcast)) or 0)


def test_the_text_a_button_carries_is_unchanged() -> None:
    who = RemindStep(step=RemindAction.WHO, org=5, draft="ab12cd34", audience=Audience.EVERYONE)
    assert who.pack() == "remind:who:5:ab12cd34:everyone"
    assert RemindStep(step=RemindAction.CANCEL, org=5, draft="ab12cd34").pack() == "remind:cancel:5:ab12cd34:"
    assert RemindStep.unpack("remind:cancel:5:ab12cd34:").audience is None


async def test_who_then_own_text_then_a_button_of_the_earlier_preview_is_old(harness: Harness) -> None:
    await _hr(harness)
    chosen = await harness.send(HR, "/remind")
    [everyone] = [data for data in _buttons(chosen) if data.endswith(":everyone")]
    preview = await harness.press(HR, everyone)
    assert _answers(preview) == [""]
    own = next(data for data in _buttons(preview) if data.startswith("remind:own:"))
    assert _answers(await harness.press(HR, own)) == [""]
    state, data = await _conversation(harness)
    assert state == RemindFlow.text.state and data[DRAFT]["audience"] == "everyone"
    # The audience buttons were of the draft before the preview: a new version of it stops them.
    assert _answers(await harness.press(HR, everyone)) == [STALE]
    assert await _conversation(harness) == (state, data)


@pytest.mark.parametrize("forged", ["remind:zap:5:{draft}:everyone", "remind:send:5:{draft}:", "remind:own:5:{draft}:"])
async def test_a_button_no_preview_carries_changes_nothing(harness: Harness, forged: str) -> None:
    await _hr(harness)
    await harness.send(HR, "/remind")
    before = await _conversation(harness)
    draft = before[1][DRAFT]["id"]
    calls = await harness.press(HR, forged.format(draft=draft))
    assert (_answers(calls), texts(calls)) == ([STALE], [])
    assert await _conversation(harness) == before
    assert await _jobs(harness) == 0


async def test_cancel_forgets_the_draft_and_its_buttons(harness: Harness) -> None:
    await _hr(harness)
    chosen = await harness.send(HR, "/remind")
    [cancel] = [data for data in _buttons(chosen) if data.startswith("remind:cancel:")]
    calls = await harness.press(HR, cancel)
    assert _answers(calls) == [""]
    assert DRAFT not in (await _conversation(harness))[1]
    [everyone] = [data for data in _buttons(chosen) if data.endswith(":everyone")]
    assert _answers(await harness.press(HR, everyone)) == [STALE]
    assert await _jobs(harness) == 0
