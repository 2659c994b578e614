"""/status: the colour, why, and the way to green, without the picture."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.clock import Clock
from bot.codes.keyboards import WhyColour
from bot.codes.presenter import no_code_yet
from bot.codes.service import CodeSettings, current_code
from bot.menu import main_menu
from bot.organizations.service import organization_line
from bot.registration.questions import is_form_state
from bot.status.presenter import status_lines


async def _status_text(
    session: AsyncSession, account: Account | None, locale: str, clock: Clock, zone: tzinfo, settings: CodeSettings
) -> str | None:
    """The colour, why, the next step and the way to green; None before the first declaration."""
    now = clock()
    # The code carries the status as of today (it is renewed with the day and after every check-in).
    current = await current_code(session, account, locale, now, zone, settings) if account else None
    if current is None or account is None:
        return None
    lines = [_("<b>Your status</b>"), *status_lines(current.status, locale, now.astimezone(zone).date())]
    if (organization := await organization_line(session, account.id, locale)) is not None:
        lines.append(organization)
    await session.commit()
    return "\n".join(lines)


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
    text = await _status_text(session, account, locale, clock, zone, code_settings)
    if text is None:
        await message.answer(no_code_yet(is_form_state(await state.get_state())))
        return
    await message.answer(text, reply_markup=main_menu())


async def explain_colour(
    query: CallbackQuery,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
    code_settings: CodeSettings,
) -> None:
    """"Why this colour?" under a code: the presser's own status as a new message, below the code, so the
    code's caption stays short. The button names nobody, so a forwarded code explains only the presser's."""
    text = await _status_text(session, account, locale, clock, zone, code_settings)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(text if text is not None else no_code_yet(in_form=False))


def create_router() -> Router:
    router = Router(name="status")
    router.message.register(process_status, Command("status"))
    router.callback_query.register(explain_colour, WhyColour.filter())
    return router
