"""/status: the colour, why, and the way to green, without the picture."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.account_required import answer_button_send_start, for_account_holders
from bot.accounts import Account
from bot.appeals import presenter as appeals_presenter
from bot.appeals.keyboards import this_is_wrong_keyboard
from bot.codes.keyboards import WhyColour
from bot.codes.presenter import no_code_yet
from bot.family import presenter as family_presenter
from bot.family import service as family
from bot.family.keyboards import MemberStatus, status_keyboard
from bot.menu import main_menu
from bot.middlewares import Provide
from bot.organizations.invites.presenter import membership_line
from bot.registration.questions import Registration
from bot.status.overview import StatusService
from bot.status.presenter import status_lines


async def _status_text(
    status: StatusService, account: Account, locale: str, member: family.Member | None = None
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The colour, why, the next step and the way to green, with "This is wrong" under a yellow or red one
    that is not already under appeal; None before the first declaration. About a `member` (the holder is
    then theirs) the heading names them, and "This is wrong" starts an appeal of the member's colour."""
    now = status.clock()
    found = await status.overview(account, locale, now)
    if found is None:
        return None
    heading = _("<b>Your status</b>") if member is None else family_presenter.status_heading(member)
    lines = [
        heading,
        *status_lines(found.current.status, locale, now.astimezone(status.zone).date(), member is not None),
    ]
    if found.organization is not None:
        lines.append(membership_line(found.organization, locale))
    markup = None
    if found.appeal is not None:
        lines.append(appeals_presenter.under_review(found.appeal, locale, status.zone))
    elif found.current.status.colour != "green":
        # The way out of a colour the person thinks wrong, right under its explanation; a member's button
        # names the member, checked again to be the presser's own when pressed.
        markup = this_is_wrong_keyboard(member.id if member is not None else None)
    return "\n".join(lines), markup


async def process_status(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    account: Account,
    locale: str,
    status: StatusService,
) -> None:
    text = await _status_text(status, account, locale)
    if text is None:
        await message.answer(no_code_yet(await state.get_state() in Registration))
        return
    answer, markup = text
    await message.answer(answer, reply_markup=markup or main_menu())
    members = await family.list_members(session, account.id)
    if members:
        await message.answer(family_presenter.choose_status(), reply_markup=status_keyboard(members))


async def member_status(
    query: CallbackQuery,
    callback_data: MemberStatus,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    status: StatusService,
) -> None:
    """A member's status, found only among the presser's own members: a forged or someone else's id gets
    the answer of a stale button and learns nothing about whether that member exists."""
    member = await family.find_member(session, account.id, callback_data.member) if account is not None else None
    if account is None or member is None or not isinstance(query.message, Message):
        await query.answer(_("That button belongs to an earlier message."))
        return
    await query.answer()
    text = await _status_text(status, family.holder(member, account.language), locale, member)
    if text is None:  # a member always has a declaration; kept for a row half-purged by retention
        await query.message.answer(no_code_yet(in_form=False))
        return
    await query.message.answer(text[0], reply_markup=text[1])


async def explain_colour(query: CallbackQuery, account: Account, locale: str, status: StatusService) -> None:
    """ "Why this colour?" under a code: the presser's own status as a new message, below the code, so the
    code's caption stays short. The button names nobody, so a forwarded code explains only the presser's."""
    text = await _status_text(status, account, locale)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if text is None:
        await query.message.answer(no_code_yet(in_form=False))
        return
    answer, markup = text
    await query.message.answer(answer, reply_markup=markup)


def _status_service(data: dict[str, Any]) -> StatusService:
    return StatusService(data["session"], data["clock"], data["zone"], data["code_settings"])


def create_router() -> Router:
    router = Router(name="status")
    provide = Provide(status=_status_service)
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    for_account_holders(router.message, process_status, Command("status"))
    for_account_holders(router.callback_query, explain_colour, WhyColour.filter(), otherwise=answer_button_send_start)
    router.callback_query.register(member_status, MemberStatus.filter())
    return router
