"""/status: the colour, why, and the way to green, without the picture."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.account_required import for_account_holders
from bot.accounts import Account
from bot.appeals import presenter as appeals_presenter
from bot.appeals import service as appeals
from bot.appeals.keyboards import this_is_wrong_keyboard
from bot.clock import Clock
from bot.codes.keyboards import WhyColour
from bot.codes.presenter import no_code_yet
from bot.codes.service import CodeSettings, current_code
from bot.menu import main_menu
from bot.organizations.invites.presenter import membership_line
from bot.organizations.invites.service import membership
from bot.registration.questions import Registration
from bot.status.presenter import status_lines


async def _status_text(
    session: AsyncSession, account: Account | None, locale: str, clock: Clock, zone: tzinfo, settings: CodeSettings
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The colour, why, the next step and the way to green, with "This is wrong" under a yellow or red one
    that is not already under appeal; None before the first declaration."""
    now = clock()
    # The code carries the status as of today (it is renewed with the day and after every check-in).
    current = await current_code(session, account, locale, now, zone, settings) if account else None
    if current is None or account is None:
        return None
    lines = [_("<b>Your status</b>"), *status_lines(current.status, locale, now.astimezone(zone).date())]
    if (organization := await membership(session, account.id)) is not None:
        lines.append(membership_line(organization, locale))
    appeal = await appeals.open_appeal(session, account.id)
    await session.commit()
    markup = None
    if appeal is not None:
        lines.append(appeals_presenter.under_review(appeal, locale, zone))
    elif current.status.colour != "green":
        # The way out of a colour the person thinks wrong, right under its explanation.
        markup = this_is_wrong_keyboard()
    return "\n".join(lines), markup


async def process_status(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    account: Account,
    locale: str,
    clock: Clock,
    zone: tzinfo,
    code_settings: CodeSettings,
) -> None:
    status = await _status_text(session, account, locale, clock, zone, code_settings)
    if status is None:
        await message.answer(no_code_yet(await state.get_state() in Registration))
        return
    text, markup = status
    await message.answer(text, reply_markup=markup or main_menu())


async def explain_colour(
    query: CallbackQuery,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
    code_settings: CodeSettings,
) -> None:
    """ "Why this colour?" under a code: the presser's own status as a new message, below the code, so the
    code's caption stays short. The button names nobody, so a forwarded code explains only the presser's."""
    status = await _status_text(session, account, locale, clock, zone, code_settings)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if status is None:
        await query.message.answer(no_code_yet(in_form=False))
        return
    text, markup = status
    await query.message.answer(text, reply_markup=markup)


def create_router() -> Router:
    router = Router(name="status")
    for_account_holders(router.message, process_status, Command("status"))
    router.callback_query.register(explain_colour, WhyColour.filter())
    return router
