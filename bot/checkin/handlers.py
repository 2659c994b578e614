"""The daily check-in: "has anything changed?", then the questions of the form that apply, then the code."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.account_required import answer_button_send_start, answer_send_start, for_account_holders
from bot.accounts import Account
from bot.checkin.keyboards import CheckInAnswer, CheckInCallback, CheckInFor, changed_keyboard, members_keyboard
from bot.checkin.presenter import members_text, question_text, title
from bot.checkin.service import CheckIns
from bot.family import service as family
from bot.filters import Words
from bot.fsm import save_state
from bot.menu import CHECK_IN, main_menu
from bot.messages import drop_buttons, show_answer
from bot.middlewares import Provide
from bot.registration.form import Forms, check_in_everyone, forms_of, resume_form, start_form
from bot.registration.keyboards import CANCEL
from bot.registration.questions import Purpose, Registration, WizardData
from bot.reminders.keyboards import ReminderAction, ReminderButton


class CheckIn(StatesGroup):
    changed = State()


async def process_checkin(
    message: Message, session: AsyncSession, account: Account, checkins: CheckIns, forms: Forms
) -> None:
    state = forms.state
    current = await state.get_state()
    if current in Registration:
        wizard = WizardData.load(await state.get_data())
        if wizard.purpose is Purpose.DECLARATION:
            # Leaving the form here would lose its answers; a check-in is one tap away once it is done.
            await message.answer(_("Please finish these questions first, or send /cancel."))
            await resume_form(forms.on(message))
            return
    already = await checkins.checked_in_today(account.id)
    if already is None:
        await message.answer(_("You have no code yet. Send /start to answer the health questions."))
        return
    members = await family.list_members(session, account.id)
    await save_state(state, CheckIn.changed, {})
    await message.answer(question_text(already), reply_markup=changed_keyboard())
    if members:
        await message.answer(
            members_text(), reply_markup=members_keyboard([(member.id, member.name or "") for member in members])
        )


async def process_checkin_for(
    callback: CallbackQuery,
    callback_data: CheckInFor,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    checkins: CheckIns,
) -> None:
    """ "Check in for Mia": the same question about them; a forged or someone else's id finds nothing."""
    message = callback.message
    member = await family.find_member(session, account.id, callback_data.member) if account is not None else None
    if member is None or not isinstance(message, Message):
        await callback.answer(_("That button belongs to an earlier message."))
        return
    already = await checkins.checked_in_today(member.id)
    if already is None:  # erased since the button was sent
        await callback.answer(_("That button belongs to an earlier message."))
        return
    await callback.answer()
    if (
        await state.get_state() in Registration
        and WizardData.load(await state.get_data()).purpose is not Purpose.CHECKIN
    ):
        await message.answer(_("Please finish these questions first, or send /cancel."))
        return
    await save_state(state, CheckIn.changed, {"member": member.id})
    await message.answer(question_text(already, member.name or ""), reply_markup=changed_keyboard())


async def process_everyone(
    callback: CallbackQuery, session: AsyncSession, account: Account | None, forms: Forms
) -> None:
    """ "Check in everyone": the presser, then each of their own members (read here, from the server, never
    from the button, which carries no id)."""
    message = callback.message
    members = await family.list_members(session, account.id) if account is not None else []
    if not members or not isinstance(message, Message):
        await callback.answer(_("That button belongs to an earlier message."))
        return
    await callback.answer()
    if await forms.state.get_state() in Registration:
        wizard = WizardData.load(await forms.state.get_data())
        if wizard.purpose is Purpose.DECLARATION:
            await message.answer(_("Please finish these questions first, or send /cancel."))
            return
    await drop_buttons(message)
    if not await check_in_everyone(forms.finishing(message), forms.finish, [member.id for member in members]):
        await message.answer(_("You have no code yet. Send /start to answer the health questions."))


async def process_start_button(
    callback: CallbackQuery, session: AsyncSession, account: Account, checkins: CheckIns, forms: Forms
) -> None:
    """The button under a reminder: the same as sending /checkin, answered in the reminder's chat."""
    await callback.answer()
    if isinstance(callback.message, Message):
        await process_checkin(callback.message, session, account, checkins, forms)


async def process_reminder_button(
    callback: CallbackQuery, session: AsyncSession, account: Account | None, checkins: CheckIns, forms: Forms
) -> None:
    """A reminder's own Check in button (reminders' callback data): the same as sending /checkin."""
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer(_("That button belongs to an earlier message."))
        return
    await callback.answer()
    if account is None:
        await message.answer(_("You have no code yet. Send /start to answer the health questions."))
        return
    await process_checkin(message, session, account, checkins, forms)


async def process_changed_answer(
    callback: CallbackQuery,
    callback_data: CheckInCallback,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    checkins: CheckIns,
    forms: Forms,
) -> None:
    state = forms.state
    message = callback.message
    if not isinstance(message, Message) or await state.get_state() != CheckIn.changed.state:
        await callback.answer(_("That button belongs to an earlier message."))
        if message is not None:
            await drop_buttons(message)
        return
    await callback.answer()
    if callback_data.answer is CheckInAnswer.CANCEL:
        await show_answer(message, _("Check-in cancelled."))
        await _cancel(message, state)
        return
    changed = callback_data.answer is CheckInAnswer.CHANGED
    # The holder checked in for: the presser, or a family member of theirs chosen with "Check in for ...".
    chosen_member = (await state.get_data()).get("member")
    member = (
        await family.find_member(session, account.id, chosen_member)
        if account is not None and isinstance(chosen_member, int)
        else None
    )
    holder = member.id if member is not None else account.id if account is not None and chosen_member is None else None
    answers = await checkins.answers_today(holder, changed) if holder else None
    if answers is None:  # their data was deleted meanwhile
        await state.clear()
        await message.answer(_("You have no code yet. Send /start to answer the health questions."))
        return
    chosen = _("Something changed") if changed else _("Nothing changed: same as yesterday")
    heading = title(member.name or "" if member is not None else None)
    await show_answer(message, f"{heading}\n✅ {chosen}")
    member_id = member.id if member is not None else None
    await start_form(forms.on(message), answers, purpose=Purpose.CHECKIN, member=member_id)


async def process_cancel(message: Message, state: FSMContext) -> None:
    await _cancel(message, state)


async def _cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Cancelled. Your earlier answers are unchanged."), reply_markup=main_menu())


async def process_other_message(message: Message) -> None:
    await message.answer(_("Please choose with the buttons under the question."), reply_markup=changed_keyboard())


async def _not_a_command(message: Message) -> bool:
    # Commands go on to their own handlers (/help, /code, ...) even in the middle of a check-in.
    return not (message.text or "").startswith("/") or (message.text or "").startswith("/cancel")


# Words that wrap a request to check in, as people type it: "I want to check in", "我要打卡".
ASKING_TO_CHECK_IN = (
    *("please", "pls", "i", "want", "wanna", "to", "id", "i'd", "like", "let", "me", "now", "today", "my", "do"),
    *("daily", "can", "would", "could", "you", "here"),
    *("请", "我要", "我想", "帮我", "今天", "今日", "一下", "现在", "吧", "的"),
)


def _checkins(data: dict[str, Any]) -> CheckIns:
    return CheckIns(data["session"], data["clock"], data["zone"])


def create_router() -> Router:
    """The check-in handlers, in the order their filters are tried."""
    router = Router(name="checkin")
    provide = Provide(checkins=_checkins, forms=forms_of)
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    # Without an account, "/start" whatever the state, as these answered before the filter took their check.
    for_account_holders(router.message, process_checkin, Command("checkin"), otherwise=answer_send_start)
    for_account_holders(
        router.message,
        process_checkin,
        Words(CHECK_IN, "check in", "checkin", "打卡", "签到", "每日打卡", fillers=ASKING_TO_CHECK_IN),
        otherwise=answer_send_start,
    )
    for_account_holders(
        router.callback_query,
        process_start_button,
        CheckInCallback.filter(F.answer == CheckInAnswer.START),
        otherwise=answer_button_send_start,
    )
    router.callback_query.register(process_reminder_button, ReminderButton.filter(F.action == ReminderAction.CHECK_IN))
    router.callback_query.register(process_everyone, CheckInCallback.filter(F.answer == CheckInAnswer.EVERYONE))
    router.callback_query.register(process_changed_answer, CheckInCallback.filter())
    router.callback_query.register(process_checkin_for, CheckInFor.filter())
    router.message.register(process_cancel, StateFilter(CheckIn.changed), Words(CANCEL, "cancel", "取消"))
    router.message.register(process_other_message, StateFilter(CheckIn.changed), _not_a_command)
    return router
