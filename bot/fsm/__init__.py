"""Conversation (FSM) state storage that survives a restart of the bot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StateType

from bot.fsm.storage import SqlStorage


async def save_state(context: FSMContext, state: StateType, data: Mapping[str, Any]) -> None:
    """Move the conversation to `state` with `data` merged in, in one write where the storage allows it."""
    merged = {**await context.get_data(), **data}
    if isinstance(context.storage, SqlStorage):
        await context.storage.set_state_and_data(context.key, state, merged)
    else:
        # Data first: a crash between the two then re-asks the old question, never a new one with old answers.
        await context.set_data(merged)
        await context.set_state(state)
