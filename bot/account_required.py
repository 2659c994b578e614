"""Handlers that need the sender's account: one filter instead of an `if account is None` in each.

A handler registered through `for_account_holders` receives `account: Account` (never None); everyone else
sending the same thing gets the "no code yet" answer these handlers used to give themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.accounts import Account
from bot.codes.presenter import no_code_yet
from bot.registration.questions import Registration


class HasAccount(Filter):
    """Passes the account the middleware loaded on to the handler again, now typed as present."""

    async def __call__(self, event: TelegramObject, account: Account | None = None) -> bool | dict[str, Any]:
        return False if account is None else {"account": account}


async def answer_no_code_yet(message: Message, state: FSMContext) -> None:
    await message.answer(no_code_yet(await state.get_state() in Registration))


async def answer_send_start(message: Message) -> None:
    """For commands that always pointed to /start, whatever the conversation's state."""
    await message.answer(no_code_yet(in_form=False))


async def answer_button_send_start(query: CallbackQuery) -> None:
    """A button that starts something for account holders (check in), pressed by someone without one."""
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(no_code_yet(in_form=False))


def for_account_holders(
    observer: TelegramEventObserver,
    handler: Callable[..., Any],
    *filters: Any,
    otherwise: Callable[..., Any] = answer_no_code_yet,
) -> None:
    """`handler` for those with an account, and right after it, with the same filters, `otherwise` for those
    without: in this place of the router's order, so the fallback takes nothing another handler would."""
    observer.register(handler, *filters, HasAccount())
    observer.register(otherwise, *filters)
