"""The form's buttons through the whole dispatcher: the router picks the handler by the button's action.

A button of the current message does what it says; one the question does not offer, or of an earlier
message, or with an action no button carries, is answered as a button of an earlier message and changes
nothing. The text a button carries is the same as before the handlers were split, so buttons already in
people's chats keep working.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.registration.keyboards import WizardAction, WizardCallback
from bot.registration.questions import Registration
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import Harness, texts

JANE = FakeUser(id=61, first_name="Jane", language_code="en")
STALE = "That button belongs to an earlier message."
REVISION = 4


def _answers(calls: list[RecordedCall]) -> list[str]:
    return [str(call.params.get("text", "")) for call in calls if call.method == "answerCallbackQuery"]


async def _at(harness: Harness, state: str, data: dict[str, Any]) -> StorageKey:
    """Jane (with an account) in the form at `state`, its message at revision REVISION."""
    await harness.add_account(JANE)
    key = StorageKey(bot_id=harness.bot.id, chat_id=JANE.id, user_id=JANE.id)
    await harness.dispatcher.fsm.storage.set_state(key, state)
    await harness.dispatcher.fsm.storage.set_data(key, {"revision": REVISION, **data})
    return key


async def _where(harness: Harness, key: StorageKey) -> tuple[str | None, dict[str, Any]]:
    storage = harness.dispatcher.fsm.storage
    return await storage.get_state(key), await storage.get_data(key)


def test_the_text_a_button_carries_is_unchanged() -> None:
    data = WizardCallback(step="id_type", revision=3, action=WizardAction.PICK, value="passport")
    assert data.pack() == "reg:id_type:3:pick:passport"
    assert WizardCallback.unpack("reg:summary:9:submit:") == WizardCallback(
        step="summary", revision=9, action=WizardAction.SUBMIT
    )


async def test_a_pick_answers_the_question_and_asks_the_next(harness: Harness) -> None:
    key = await _at(harness, Registration.id_type.state, {"answers": {"full_name": "Jane", "nationality": "CN"}})
    calls = await harness.press(JANE, f"reg:id_type:{REVISION}:pick:passport")
    assert _answers(calls) == [""]
    state, data = await _where(harness, key)
    assert state == Registration.id_number.state
    assert data["answers"]["id_type"] == "passport"


async def test_a_tick_ticks_and_done_answers_with_the_ticked(harness: Harness) -> None:
    key = await _at(harness, Registration.places.state, {"answers": {}})
    await harness.press(JANE, f"reg:places:{REVISION}:tick:abroad")
    assert (await _where(harness, key))[1]["ticked"] == ["abroad"]
    calls = await harness.press(JANE, f"reg:places:{REVISION}:done:")
    assert _answers(calls) == [""]
    state, data = await _where(harness, key)
    assert data["answers"]["places"] == ["abroad"] and state != Registration.places.state


async def test_done_with_nothing_ticked_asks_for_one_and_changes_nothing(harness: Harness) -> None:
    key = await _at(harness, Registration.places.state, {"answers": {}})
    before = await _where(harness, key)
    calls = await harness.press(JANE, f"reg:places:{REVISION}:done:")
    assert _answers(calls) == ["Choose at least one, or press “None of these”."]
    assert await _where(harness, key) == before


@pytest.mark.parametrize(
    "data",
    [
        f"reg:id_type:{REVISION}:tick:passport",  # a choice has no ticks
        f"reg:id_type:{REVISION}:done:",
        f"reg:id_type:{REVISION}:pick:nonsense",  # no such option
        f"reg:id_type:{REVISION}:edit:full_name",  # editing is the summary's
        f"reg:id_type:{REVISION}:submit:",
    ],
)
async def test_a_current_button_its_question_does_not_offer_changes_nothing(harness: Harness, data: str) -> None:
    key = await _at(harness, Registration.id_type.state, {"answers": {"full_name": "Jane"}})
    before = await _where(harness, key)
    calls = await harness.press(JANE, data)
    assert _answers(calls) == [STALE]
    assert texts(calls) == [], "nothing sent"
    assert await _where(harness, key) == before


async def test_a_button_of_an_earlier_message_asks_the_current_question_again(harness: Harness) -> None:
    key = await _at(harness, Registration.id_type.state, {"answers": {"full_name": "Jane"}})
    before = await _where(harness, key)
    calls = await harness.press(JANE, f"reg:full_name:{REVISION - 1}:back:")
    assert _answers(calls) == [STALE]
    [asked] = texts(calls)
    assert "Here is the current question." in asked
    assert await _where(harness, key) == before


@pytest.mark.parametrize("data", [f"reg:id_type:{REVISION}:zap:", "reg:id_type:x:pick:passport"])
async def test_a_button_that_does_not_parse_is_an_old_button(harness: Harness, data: str) -> None:
    key = await _at(harness, Registration.id_type.state, {"answers": {"full_name": "Jane"}})
    before = await _where(harness, key)
    calls = await harness.press(JANE, data)
    assert (_answers(calls), texts(calls)) == ([STALE], [])
    assert await _where(harness, key) == before


async def test_outside_the_form_a_form_button_only_says_it_is_old(harness: Harness) -> None:
    await harness.add_account(JANE)
    calls = await harness.press(JANE, f"reg:id_type:{REVISION}:pick:passport")
    assert (_answers(calls), texts(calls)) == ([STALE], [])


async def test_cancel_leaves_the_form(harness: Harness) -> None:
    key = await _at(harness, Registration.id_type.state, {"answers": {"full_name": "Jane"}})
    calls = await harness.press(JANE, f"reg:id_type:{REVISION}:cancel:")
    assert _answers(calls) == [""]
    assert await _where(harness, key) == (None, {})
    assert any(text.startswith("Cancelled.") for text in texts(calls))
