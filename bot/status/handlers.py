"""/status: the colour, why, and the way to green, without the picture."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.clock import Clock
from bot.codes.presenter import no_code_yet
from bot.codes.service import CodeSettings, current_code
from bot.menu import main_menu
from bot.organizations.service import organization_line
from bot.registration.questions import is_form_state
from bot.status.presenter import status_lines


async def process_status(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
    code_settings: CodeSettings,
) -> None:
    now = clock()
    # The code carries the status as of today (it is renewed with the day and after every check-in).
    current = await current_code(session, account, locale, now, zone, code_settings) if account else None
    if account is None or current is None:
        await message.answer(no_code_yet(is_form_state(await state.get_state())))
        return
    lines = [_("<b>Your status</b>"), *status_lines(current.status, locale, now.astimezone(zone).date())]
    if (organization := await organization_line(session, account.id, locale)) is not None:
        lines.append(organization)
    await session.commit()
    await message.answer("\n".join(lines), reply_markup=main_menu())


def create_router() -> Router:
    router = Router(name="status")
    router.message.register(process_status, Command("status"))
    return router
