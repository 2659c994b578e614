"""What nothing else handled: a hint instead of silence."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _


async def process_stale_button(callback: CallbackQuery) -> None:
    await callback.answer(_("That button belongs to an earlier message."))


async def process_unknown_message(message: Message) -> None:
    await message.answer(_("I did not understand that. Send /help to see what I can do."))


def create_router() -> Router:
    """The fallback handlers, in the order their filters are tried."""
    router = Router(name="fallback")
    router.callback_query.register(process_stale_button)
    router.message.register(process_unknown_message)
    return router
