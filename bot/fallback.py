"""What nothing else handled: a hint instead of silence."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

router = Router(name="fallback")


@router.callback_query()
async def process_stale_button(callback: CallbackQuery) -> None:
    await callback.answer(_("That button belongs to an earlier message."))


@router.message()
async def process_unknown_message(message: Message) -> None:
    await message.answer(_("I did not understand that. Send /help to see what I can do."))
