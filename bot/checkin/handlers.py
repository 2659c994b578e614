"""The daily check-in: "has anything changed?", then the questions of the form that apply, then the code."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.checkin import service
from bot.checkin.keyboards import CheckInAnswer, CheckInCallback, changed_keyboard
from bot.checkin.presenter import question_text
from bot.clock import Clock
from bot.filters import Words
from bot.fsm import save_state
from bot.menu import CHECK_IN, main_menu
from bot.messages import drop_buttons, show_answer
from bot.registration.form import Form, resume_form, start_form
from bot.registration.keyboards import CANCEL
from bot.registration.questions import Purpose, Registration, WizardData
from bot.registration.service import has_declared
from bot.reminders.keyboards import ReminderAction, ReminderButton
from bot.status.service import local_day


class CheckIn(StatesGroup):
    changed = State()


async def process_checkin(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
) -> None:
    if account is None:
        await message.answer(_("You have no code yet. Send /start to answer the health questions."))
        return
    current = await state.get_state()
    if current in Registration:
        wizard = WizardData.load(await state.get_data())
        if wizard.purpose is Purpose.DECLARATION:
            # Leaving the form here would lose its answers; a check-in is one tap away once it is done.
            await message.answer(_("Please finish these questions first, or send /cancel."))
            await resume_form(Form(message, state, locale, clock, zone))
            return
    if not await has_declared(session, account.id):
        await session.commit()
        await message.answer(_("You have no code yet. Send /start to answer the health questions."))
        return
    already = await service.checked_in_on(session, account.id, local_day(clock(), zone))
    await session.commit()
    await save_state(state, CheckIn.changed, {})
    await message.answer(question_text(already), reply_markup=changed_keyboard())


async def process_start_button(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
) -> None:
    """The button under a reminder: the same as sending /checkin, answered in the reminder's chat."""
    await callback.answer()
    if isinstance(callback.message, Message):
        await process_checkin(callback.message, state, session, account, locale, clock, zone)


async def process_reminder_button(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
) -> None:
    """A reminder's own Check in button (reminders' callback data): the same as sending /checkin."""
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer(_("That button belongs to an earlier message."))
        return
    await callback.answer()
    await process_checkin(message, state, session, account, locale, clock, zone)


async def process_changed_answer(
    callback: CallbackQuery,
    callback_data: CheckInCallback,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
) -> None:
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
    answers = await service.checkin_answers(session, account.id, local_day(clock(), zone), changed) if account else None
    await session.commit()
    if answers is None:  # their data was deleted meanwhile
        await state.clear()
        await message.answer(_("You have no code yet. Send /start to answer the health questions."))
        return
    chosen = _("Something changed") if changed else _("Nothing changed: same as yesterday")
    title = _("<b>Daily check-in</b>")
    await show_answer(message, f"{title}\n✅ {chosen}")
    await start_form(Form(message, state, locale, clock, zone), answers, purpose=Purpose.CHECKIN)


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


def create_router() -> Router:
    """The check-in handlers, in the order their filters are tried."""
    router = Router(name="checkin")
    router.message.register(process_checkin, Command("checkin"))
    router.message.register(
        process_checkin,
        Words(CHECK_IN, "check in", "checkin", "打卡", "签到", "每日打卡", fillers=ASKING_TO_CHECK_IN),
    )
    router.callback_query.register(process_start_button, CheckInCallback.filter(F.answer == CheckInAnswer.START))
    router.callback_query.register(process_reminder_button, ReminderButton.filter(F.action == ReminderAction.CHECK_IN))
    router.callback_query.register(process_changed_answer, CheckInCallback.filter())
    router.message.register(process_cancel, StateFilter(CheckIn.changed), Words(CANCEL, "cancel", "取消"))
    router.message.register(process_other_message, StateFilter(CheckIn.changed), _not_a_command)
    return router
