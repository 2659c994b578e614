"""Small helpers around sending and editing messages."""

from __future__ import annotations

from contextlib import suppress

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InaccessibleMessage, Message


async def drop_buttons(message: Message | InaccessibleMessage) -> None:
    """Take the buttons off an answered message, so they cannot be pressed again.

    Best effort: the message may be too old to edit, or already without buttons; either way the
    server-side check of every button press still stands.
    """
    if not isinstance(message, Message):
        return
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)


async def show_answer(message: Message, text: str) -> None:
    """Edit an answered question into its answer, without buttons; best effort, like `drop_buttons`."""
    try:
        await message.edit_text(text, reply_markup=None)
    except TelegramBadRequest:
        await drop_buttons(message)
