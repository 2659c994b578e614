"""Thin handlers of the form: read the answer, let `questions` judge it, ask the next question."""

from __future__ import annotations

from contextlib import suppress
from datetime import tzinfo
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.clock import Clock
from bot.codes.handlers import send_code
from bot.codes.service import CodeSettings
from bot.filters import Has, Words
from bot.fsm import save_state
from bot.menu import main_menu
from bot.messages import drop_buttons, show_answer
from bot.registration import service
from bot.registration.keyboards import (
    BACK,
    CANCEL,
    SUMMARY_STEP,
    WizardAction,
    WizardCallback,
    question_keyboard,
    summary_keyboard,
)
from bot.registration.presenter import chosen_text, question_text, summary_text
from bot.registration.questions import (
    QUESTIONS,
    QUESTIONS_BY_KEY,
    InvalidAnswer,
    Kind,
    Question,
    Registration,
    WizardData,
    first_question,
    next_question,
    previous_question,
    question_for_state,
    record_answer,
)


async def start_form(
    message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo, answers: dict[str, Any] | None = None
) -> None:
    wizard = WizardData(answers=dict(answers or {}))
    await _go_to(message, state, wizard, first_question(wizard.answers), locale, clock, zone)


async def resume_form(message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo) -> None:
    """Ask again where the person stopped: after a restart, a language change or a new /start."""
    wizard = WizardData.load(await state.get_data())
    await _go_to(message, state, wizard, question_for_state(await state.get_state()), locale, clock, zone)


async def _go_to(
    message: Message,
    state: FSMContext,
    wizard: WizardData,
    question: Question | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
    error: str | None = None,
) -> None:
    """Store where the form is and ask it: a question, or the summary when `question` is None."""
    wizard.revision += 1
    if question is None:
        wizard.editing = True
        wizard.ticked = []
        await save_state(state, Registration.summary, wizard.dump())
        await message.answer(summary_text(wizard.answers, locale), reply_markup=summary_keyboard(wizard))
        return
    if question.kind is Kind.MULTI:
        wizard.ticked = list(wizard.answers.get(question.key, []))
    await save_state(state, question.state, wizard.dump())
    await _ask(message, question, wizard, locale, clock, zone, error)


async def _ask(
    message: Message,
    question: Question,
    wizard: WizardData,
    locale: str,
    clock: Clock,
    zone: tzinfo,
    error: str | None = None,
) -> None:
    applicable = [q for q in QUESTIONS if q.applies(wizard.answers)]
    position = applicable.index(question) + 1 if question in applicable else len(applicable)
    today = clock().astimezone(zone).date()
    await message.answer(
        question_text(question, wizard.answers, position, len(applicable), locale, error),
        reply_markup=question_keyboard(question, wizard, today, locale),
    )


async def _reask(message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo, error: str) -> None:
    """Explain what was wrong and ask the same question again; nothing is changed."""
    current = await state.get_state()
    wizard = WizardData.load(await state.get_data())
    question = question_for_state(current)
    if question is None:
        await message.answer(f"⚠️ {error}")
        await message.answer(summary_text(wizard.answers, locale), reply_markup=summary_keyboard(wizard))
        return
    await _ask(message, question, wizard, locale, clock, zone, error)


async def _accept(
    message: Message, state: FSMContext, question: Question, value: object, locale: str, clock: Clock, zone: tzinfo
) -> None:
    wizard = WizardData.load(await state.get_data())
    wizard.answers = record_answer(question, wizard.answers, value)
    wizard.ticked = []
    await _go_to(message, state, wizard, next_question(question, wizard.answers, wizard.editing), locale, clock, zone)


# --- Back and Cancel, typed or pressed --------------------------------------------------------


async def _back(message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo) -> None:
    wizard = WizardData.load(await state.get_data())
    current = question_for_state(await state.get_state())
    previous = previous_question(current, wizard.answers)
    if previous is None:
        await _reask(message, state, locale, clock, zone, _("This is the first question."))
        return
    await _go_to(message, state, wizard, previous, locale, clock, zone)


async def _cancel(message: Message, state: FSMContext, session: AsyncSession, account: Account | None) -> None:
    await state.clear()
    if account is not None and await service.has_declared(session, account.id):
        await message.answer(_("Cancelled. Your earlier answers are unchanged."), reply_markup=main_menu())
    else:
        await message.answer(
            _("Cancelled. Nothing was saved. Send /start to begin again."), reply_markup=ReplyKeyboardRemove()
        )


async def process_back_word(message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo) -> None:
    await _back(message, state, locale, clock, zone)


async def process_cancel_word(
    message: Message, state: FSMContext, session: AsyncSession, account: Account | None
) -> None:
    await _cancel(message, state, session, account)


# --- Answers ----------------------------------------------------------------------------------


async def process_shared_contact(message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo) -> None:
    contact = message.contact
    if contact.user_id != message.from_user.id:
        await _reask(
            message, state, locale, clock, zone, _("Please share your own number with the button, or type it.")
        )
        return
    question = QUESTIONS_BY_KEY["phone"]
    try:
        phone = question.parse(contact.phone_number, {}, clock().astimezone(zone).date())
    except InvalidAnswer as invalid:
        await _reask(message, state, locale, clock, zone, invalid.message)
        return
    await message.answer("✅ " + _("Phone number saved."), reply_markup=ReplyKeyboardRemove())
    await _accept(message, state, question, phone, locale, clock, zone)


async def process_typed_answer(message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo) -> None:
    question = question_for_state(await state.get_state())
    if question is None:
        await _reask(message, state, locale, clock, zone, _("Please use the buttons under your answers."))
        return
    if question.parse is None:
        await _reask(message, state, locale, clock, zone, _("Please choose with the buttons under the question."))
        return
    if message.text.startswith("/"):
        await _reask(
            message, state, locale, clock, zone, _("That is a command, not an answer. Please answer the question.")
        )
        return
    wizard = WizardData.load(await state.get_data())
    try:
        value = question.parse(message.text, wizard.answers, clock().astimezone(zone).date())
    except InvalidAnswer as invalid:
        await _reask(message, state, locale, clock, zone, invalid.message)
        return
    if question.kind is Kind.PHONE:
        await message.answer("✅ " + _("Phone number saved."), reply_markup=ReplyKeyboardRemove())
    await _accept(message, state, question, value, locale, clock, zone)


async def process_unreadable_answer(
    message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo
) -> None:
    """Stickers, photos, voice, someone else's contact: explain and ask again."""
    await _reask(message, state, locale, clock, zone, _("I can only read text or the buttons here."))


# --- Buttons ----------------------------------------------------------------------------------


async def process_form_button(
    callback: CallbackQuery,
    callback_data: WizardCallback,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
    code_settings: CodeSettings,
    bot: Bot,
) -> None:
    message = callback.message
    current_state = await state.get_state()
    question = question_for_state(current_state)
    step = question.key if question else (SUMMARY_STEP if current_state == Registration.summary.state else None)
    revision = WizardData.load(await state.get_data()).revision
    if (
        not isinstance(message, Message)
        or step is None
        or (callback_data.step, callback_data.revision) != (step, revision)
    ):
        await callback.answer(_("That button belongs to an earlier message."))
        if isinstance(message, Message):
            await drop_buttons(message)
        if step is not None and isinstance(message, Message):
            await _reask(
                message,
                state,
                locale,
                clock,
                zone,
                _("That button belongs to an earlier message. Here is the current question."),
            )
        return
    action = callback_data.action
    if action is WizardAction.CANCEL:
        await callback.answer()
        await drop_buttons(message)
        await _cancel(message, state, session, account)
        return
    if action is WizardAction.BACK:
        await callback.answer()
        await drop_buttons(message)
        await _back(message, state, locale, clock, zone)
        return
    if step == SUMMARY_STEP:
        await _summary_button(callback, callback_data, state, session, account, locale, clock, zone, code_settings, bot)
        return
    await _question_button(callback, callback_data, question, state, locale, clock, zone)


async def _question_button(
    callback: CallbackQuery,
    callback_data: WizardCallback,
    question: Question,
    state: FSMContext,
    locale: str,
    clock: Clock,
    zone: tzinfo,
) -> None:
    message = callback.message
    action = callback_data.action
    wizard = WizardData.load(await state.get_data())
    today = clock().astimezone(zone).date()
    if (
        action is WizardAction.PICK
        and question.kind is Kind.CHOICE
        and (option := question.option(callback_data.value))
    ):
        value = option.answer
    elif action is WizardAction.PICK and question.kind is Kind.DATE:
        try:
            value = question.parse(callback_data.value, wizard.answers, today)
        except InvalidAnswer as invalid:
            await callback.answer()
            await _reask(message, state, locale, clock, zone, invalid.message)
            return
    elif action is WizardAction.TICK and question.kind is Kind.MULTI and question.option(callback_data.value):
        ticked = set(wizard.ticked) ^ {callback_data.value}
        wizard.ticked = [option.value for option in question.options if option.value in ticked]
        await state.update_data(ticked=wizard.ticked)
        await callback.answer()
        with suppress(TelegramBadRequest):  # "not modified" after a double tap: the keyboard is right already
            await message.edit_reply_markup(reply_markup=question_keyboard(question, wizard, today, locale))
        return
    elif action is WizardAction.NONE and question.kind is Kind.MULTI:
        value = []
    elif action is WizardAction.DONE and question.kind is Kind.MULTI:
        if not wizard.ticked:
            await callback.answer(_("Choose at least one, or press the “none” button."), show_alert=True)
            return
        value = list(wizard.ticked)
    else:
        await callback.answer(_("That button belongs to an earlier message."))
        return
    await callback.answer()
    await show_answer(message, chosen_text(question, value, locale))
    await _accept(message, state, question, value, locale, clock, zone)


async def _summary_button(
    callback: CallbackQuery,
    callback_data: WizardCallback,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
    code_settings: CodeSettings,
    bot: Bot,
) -> None:
    message = callback.message
    wizard = WizardData.load(await state.get_data())
    if callback_data.action is WizardAction.EDIT and (question := QUESTIONS_BY_KEY.get(callback_data.value)):
        if not question.applies(wizard.answers):
            await callback.answer(_("That button belongs to an earlier message."))
            return
        await callback.answer()
        await drop_buttons(message)
        await _go_to(message, state, wizard, question, locale, clock, zone)
        return
    if callback_data.action is not WizardAction.SUBMIT or account is None:
        await callback.answer(_("That button belongs to an earlier message."))
        return
    try:
        await service.submit_declaration(session, account.id, wizard.answers, clock(), zone)
    except service.IncompleteDeclaration:
        await callback.answer()
        await _go_to(
            message, state, wizard, next_question(QUESTIONS[0], wizard.answers, editing=True), locale, clock, zone
        )
        return
    await callback.answer(_("Submitted"))
    await drop_buttons(message)
    await state.clear()
    await message.answer(_("Thank you. Your declaration is saved; here is your health code."), reply_markup=main_menu())
    await send_code(message, session, account, locale, clock, zone, code_settings, bot)


def create_router() -> Router:
    """The registration handlers, in the order their filters are tried."""
    router = Router(name="registration")
    router.message.register(process_back_word, StateFilter(Registration), Words(BACK, "back", "返回"))
    router.message.register(process_cancel_word, StateFilter(Registration), Words(CANCEL, "cancel", "取消"))
    router.message.register(process_shared_contact, StateFilter(Registration.phone), Has(F.contact))
    router.message.register(process_typed_answer, StateFilter(Registration), Has(F.text))
    router.message.register(process_unreadable_answer, StateFilter(Registration))
    router.callback_query.register(process_form_button, WizardCallback.filter())
    return router
