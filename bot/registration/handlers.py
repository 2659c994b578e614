"""Thin handlers of the form: read the answer, let `questions` judge it, ask the next question."""

from __future__ import annotations

from contextlib import suppress
from datetime import tzinfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.clock import Clock
from bot.codes.sending import send_code
from bot.codes.service import CodeSettings
from bot.filters import Has, Words
from bot.messages import drop_buttons, show_answer
from bot.registration import service
from bot.registration.form import Finish, Form, accept, back, cancel, go_to, reask
from bot.registration.keyboards import (
    BACK,
    CANCEL,
    SUMMARY_STEP,
    WizardAction,
    WizardCallback,
    inline_question_keyboard,
)
from bot.registration.presenter import chosen_text
from bot.registration.questions import (
    QUESTIONS,
    QUESTIONS_BY_KEY,
    InvalidAnswer,
    Kind,
    Question,
    Registration,
    next_question,
    parse_shared_phone,
    question_for_state,
)


def _unreadable() -> str:
    return _("I can only read text or the buttons here.")


async def process_back_word(message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo) -> None:
    await back(Form(message, state, locale, clock, zone))


async def process_cancel_word(
    message: Message, state: FSMContext, session: AsyncSession, account: Account | None
) -> None:
    await cancel(message, state, session, account)


# --- Answers ----------------------------------------------------------------------------------


async def process_shared_contact(message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo) -> None:
    form = Form(message, state, locale, clock, zone)
    contact = message.contact
    if contact is None:  # the router sends only contacts here; answered like any other unreadable message
        await reask(form, _unreadable())
        return
    if message.from_user is None or contact.user_id != message.from_user.id:
        await reask(form, _("Please share your own number with the button, or type it."))
        return
    question = QUESTIONS_BY_KEY["phone"]
    try:
        phone = parse_shared_phone(contact.phone_number)
    except InvalidAnswer as invalid:
        await reask(form, invalid.message)
        return
    await message.answer("✅ " + _("Phone number saved."), reply_markup=ReplyKeyboardRemove())
    await accept(form, question, phone)


async def process_typed_answer(
    message: Message,
    state: FSMContext,
    locale: str,
    clock: Clock,
    zone: tzinfo,
    session: AsyncSession,
    account: Account | None,
    code_settings: CodeSettings,
    bot: Bot,
) -> None:
    form = Form(message, state, locale, clock, zone, Finish(session, account, code_settings, bot))
    text = message.text
    if text is None:  # the router sends only text here; answered like any other unreadable message
        await reask(form, _unreadable())
        return
    question = await form.question()
    if question is None:
        await reask(form, _("Please use the buttons under your answers."))
        return
    if question.parse is None:
        if not text.startswith("/") and (option := question.typed_option(text)) is not None:
            await accept(form, question, option.answer)
            return
        await reask(form, _("Please choose with the buttons under the question."))
        return
    if text.startswith("/"):
        await reask(form, _("That is a command, not an answer. Please answer the question."))
        return
    try:
        value = question.parse(text, (await form.wizard()).answers, form.today)
    except InvalidAnswer as invalid:
        await reask(form, invalid.message, invalid.suggestions)
        return
    if question.kind is Kind.PHONE:
        await message.answer("✅ " + _("Phone number saved."), reply_markup=ReplyKeyboardRemove())
    await accept(form, question, value)


async def process_unreadable_answer(
    message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo
) -> None:
    """Stickers, photos, voice, someone else's contact: explain and ask again."""
    await reask(Form(message, state, locale, clock, zone), _unreadable())


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
    if not isinstance(message, Message):  # too old for Telegram to let us answer in place
        await callback.answer(_("That button belongs to an earlier message."))
        return
    form = Form(message, state, locale, clock, zone, Finish(session, account, code_settings, bot))
    current_state = await state.get_state()
    question = question_for_state(current_state)
    step = question.key if question else (SUMMARY_STEP if current_state == Registration.summary.state else None)
    revision = (await form.wizard()).revision
    if step is None or (callback_data.step, callback_data.revision) != (step, revision):
        await callback.answer(_("That button belongs to an earlier message."))
        await drop_buttons(message)
        if step is not None:
            await reask(form, _("That button belongs to an earlier message. Here is the current question."))
        return
    action = callback_data.action
    if action is WizardAction.CANCEL:
        await callback.answer()
        await drop_buttons(message)
        await cancel(message, state, session, account)
        return
    if action is WizardAction.BACK:
        await callback.answer()
        await drop_buttons(message)
        await back(form)
        return
    if question is None:
        await _summary_button(callback, callback_data, form, session, account, code_settings, bot)
        return
    await _question_button(callback, callback_data, question, form, message)


async def _question_button(
    callback: CallbackQuery, callback_data: WizardCallback, question: Question, form: Form, message: Message
) -> None:
    """`message`: the form's, known here to be editable (the buttons under it become its answer)."""
    action = callback_data.action
    wizard = await form.wizard()
    if (
        action is WizardAction.PICK
        and question.kind is Kind.CHOICE
        and (option := question.option(callback_data.value))
    ):
        value = option.answer
    elif action is WizardAction.PICK and question.kind is Kind.DATE and question.parse is not None:
        try:
            value = question.parse(callback_data.value, wizard.answers, form.today)
        except InvalidAnswer as invalid:
            await callback.answer()
            await reask(form, invalid.message)
            return
    elif action is WizardAction.TICK and question.kind is Kind.MULTI and question.option(callback_data.value):
        ticked = set(wizard.ticked) ^ {callback_data.value}
        wizard.ticked = [option.value for option in question.options if option.value in ticked]
        await form.state.update_data(ticked=wizard.ticked)
        await callback.answer()
        keyboard = inline_question_keyboard(question, wizard, form.today, form.locale)
        # "not modified" after a double tap: the keyboard is right already
        with suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=keyboard)
        return
    elif action is WizardAction.NONE and question.kind is Kind.MULTI:
        value = []
    elif action is WizardAction.DONE and question.kind is Kind.MULTI:
        if not wizard.ticked:
            await callback.answer(
                _("Choose at least one, or press “{none}”.").format(none=str(question.none_label or "")),
                show_alert=True,
            )
            return
        value = list(wizard.ticked)
    else:
        await callback.answer(_("That button belongs to an earlier message."))
        return
    await callback.answer()
    await show_answer(message, chosen_text(question, value, form.locale))
    await accept(form, question, value)


async def _summary_button(
    callback: CallbackQuery,
    callback_data: WizardCallback,
    form: Form,
    session: AsyncSession,
    account: Account | None,
    code_settings: CodeSettings,
    bot: Bot,
) -> None:
    message = form.message
    wizard = await form.wizard()
    if callback_data.action is WizardAction.EDIT and (question := QUESTIONS_BY_KEY.get(callback_data.value)):
        if not question.applies(wizard.answers):
            await callback.answer(_("That button belongs to an earlier message."))
            return
        await callback.answer()
        await drop_buttons(message)
        await go_to(form, wizard, question)
        return
    if callback_data.action is not WizardAction.SUBMIT or account is None:
        await callback.answer(_("That button belongs to an earlier message."))
        return
    try:
        await service.submit_declaration(session, account.id, wizard.answers, form.clock(), form.zone)
    except service.IncompleteDeclaration:
        await callback.answer()
        await go_to(form, wizard, next_question(QUESTIONS[0], wizard.answers, editing=True))
        return
    await callback.answer(_("Submitted"))
    await drop_buttons(message)
    await form.state.clear()
    thanks = _("Thank you. Your declaration is saved; here is your health code.")
    await send_code(message, session, account, form.locale, form.clock, form.zone, code_settings, bot, intro=thanks)


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
