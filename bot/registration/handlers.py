"""Thin handlers of the form: read the answer, let `questions` judge it, ask the next question."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InaccessibleMessage, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.checkin.presenter import checkin_done_text
from bot.checkin.service import record_checkin
from bot.clock import Clock
from bot.codes.handlers import send_code
from bot.codes.service import CodeSettings
from bot.family import presenter as family_presenter
from bot.family import service as family
from bot.family.keyboards import MemberRelation
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
    inline_question_keyboard,
    question_keyboard,
    summary_keyboard,
)
from bot.registration.presenter import chosen_text, question_text, summary_text
from bot.registration.questions import (
    QUESTIONS,
    QUESTIONS_BY_KEY,
    InvalidAnswer,
    Kind,
    Purpose,
    Question,
    Registration,
    WizardData,
    first_question,
    is_form_state,
    next_question,
    parse_shared_phone,
    previous_question,
    question_for_state,
    record_answer,
)


@dataclass(frozen=True, slots=True)
class Finish:
    """What ending a form needs beyond asking questions: the database, who is answering, how to show a code."""

    session: AsyncSession
    account: Account | None
    code_settings: CodeSettings
    bot: Bot


@dataclass(frozen=True, slots=True)
class Form:
    """What every step of the form needs: the chat to answer in, the conversation state, the language, the clock."""

    # A button pressed under a message too old to edit gives an InaccessibleMessage: still answered in its chat.
    message: Message | InaccessibleMessage
    state: FSMContext
    locale: str
    clock: Clock
    zone: tzinfo
    # Given by the handlers that can take the last answer of a check-in, which ends without a summary.
    finish: Finish | None = None

    @property
    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    async def wizard(self) -> WizardData:
        return WizardData.load(await self.state.get_data())

    async def question(self) -> Question | None:
        return question_for_state(await self.state.get_state())


async def start_form(
    form: Form,
    answers: dict[str, Any] | None = None,
    purpose: Purpose = Purpose.DECLARATION,
    relation: str | None = None,
    member: int | None = None,
) -> None:
    """Ask the questions not answered in `answers`; a check-in carries the given answers over unasked, and
    a family member's form the contact given by default (shown in the summary, to change there)."""
    answers = dict(answers or {})
    carried = list(answers) if purpose in (Purpose.CHECKIN, Purpose.MEMBER) else []
    wizard = WizardData(answers=answers, purpose=purpose, carried=carried, relation=relation, member=member)
    await _go_to(form, wizard, first_question(wizard.answers))


async def resume_form(form: Form) -> None:
    """Ask again where the person stopped: after a restart, a language change or a new /start."""
    await _go_to(form, await form.wizard(), await form.question())


async def _go_to(form: Form, wizard: WizardData, question: Question | None, error: str | None = None) -> None:
    """Store where the form is and ask it: a question, or the summary when `question` is None."""
    wizard.revision += 1
    if question is None and wizard.purpose is Purpose.CHECKIN and form.finish is not None:
        await _finish_checkin(form, form.finish, wizard)
        return
    if question is None:
        wizard.editing = True
        wizard.ticked = []
        await save_state(form.state, Registration.summary, wizard.dump())
        await form.message.answer(summary_text(wizard.answers, form.locale), reply_markup=summary_keyboard(wizard))
        return
    if question.kind is Kind.MULTI:
        wizard.ticked = list(wizard.answers.get(question.key, []))
    await save_state(form.state, question.state, wizard.dump())
    await _ask(form, question, wizard, error)


async def _ask(
    form: Form, question: Question, wizard: WizardData, error: str | None = None, suggestions: tuple[str, ...] = ()
) -> None:
    applicable = wizard.to_ask()
    position = applicable.index(question) + 1 if question in applicable else len(applicable)
    await form.message.answer(
        question_text(question, wizard.answers, position, len(applicable), form.locale, error, wizard.about_them),
        reply_markup=question_keyboard(question, wizard, form.today, form.locale, suggestions),
    )


async def _reask(form: Form, error: str, suggestions: tuple[str, ...] = ()) -> None:
    """Explain what was wrong and ask the same question again; nothing is changed."""
    wizard = await form.wizard()
    question = await form.question()
    if question is None:
        await form.message.answer(f"⚠️ {error}")
        await form.message.answer(summary_text(wizard.answers, form.locale), reply_markup=summary_keyboard(wizard))
        return
    await _ask(form, question, wizard, error, suggestions)


def _unreadable() -> str:
    return _("I can only read text or the buttons here.")


async def _accept(form: Form, question: Question, value: object) -> None:
    wizard = await form.wizard()
    wizard.answers = record_answer(question, wizard.answers, value)
    wizard.ticked = []
    await _go_to(form, wizard, next_question(question, wizard.answers, wizard.editing, wizard.carried))


# --- Back and Cancel, typed or pressed --------------------------------------------------------


async def _back(form: Form) -> None:
    wizard = await form.wizard()
    current = await form.question()
    previous = previous_question(current, wizard.answers, wizard.carried)
    if previous is None:
        await _reask(form, _("This is the first question."))
        return
    if current is not None and current.kind is Kind.PHONE:
        # The phone question's keyboard (share my number) would stay under the questions before it.
        await form.message.answer(f"⬅️ {BACK}", reply_markup=ReplyKeyboardRemove())
    await _go_to(form, wizard, previous)


async def _cancel(message: Message, state: FSMContext, session: AsyncSession, account: Account | None) -> None:
    await state.clear()
    if account is not None and await service.has_declared(session, account.id):
        await message.answer(_("Cancelled. Your earlier answers are unchanged."), reply_markup=main_menu())
    else:
        await message.answer(
            _("Cancelled. Nothing was saved. Send /start to begin again."), reply_markup=ReplyKeyboardRemove()
        )


async def process_back_word(message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo) -> None:
    await _back(Form(message, state, locale, clock, zone))


async def process_cancel_word(
    message: Message, state: FSMContext, session: AsyncSession, account: Account | None
) -> None:
    await _cancel(message, state, session, account)


# --- Answers ----------------------------------------------------------------------------------


async def process_shared_contact(message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo) -> None:
    form = Form(message, state, locale, clock, zone)
    contact = message.contact
    if contact is None:  # the router sends only contacts here; answered like any other unreadable message
        await _reask(form, _unreadable())
        return
    if message.from_user is None or contact.user_id != message.from_user.id:
        await _reask(form, _("Please share your own number with the button, or type it."))
        return
    question = QUESTIONS_BY_KEY["phone"]
    try:
        phone = parse_shared_phone(contact.phone_number)
    except InvalidAnswer as invalid:
        await _reask(form, invalid.message)
        return
    await message.answer("✅ " + _("Phone number saved."), reply_markup=ReplyKeyboardRemove())
    await _accept(form, question, phone)


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
        await _reask(form, _unreadable())
        return
    question = await form.question()
    if question is None:
        await _reask(form, _("Please use the buttons under your answers."))
        return
    if question.parse is None:
        if not text.startswith("/") and (option := question.typed_option(text)) is not None:
            await _accept(form, question, option.answer)
            return
        await _reask(form, _("Please choose with the buttons under the question."))
        return
    if text.startswith("/"):
        await _reask(form, _("That is a command, not an answer. Please answer the question."))
        return
    try:
        value = question.parse(text, (await form.wizard()).answers, form.today)
    except InvalidAnswer as invalid:
        await _reask(form, invalid.message, invalid.suggestions)
        return
    if question.kind is Kind.PHONE:
        await message.answer("✅ " + _("Phone number saved."), reply_markup=ReplyKeyboardRemove())
    await _accept(form, question, value)


async def process_unreadable_answer(
    message: Message, state: FSMContext, locale: str, clock: Clock, zone: tzinfo
) -> None:
    """Stickers, photos, voice, someone else's contact: explain and ask again."""
    await _reask(Form(message, state, locale, clock, zone), _unreadable())


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
            await _reask(form, _("That button belongs to an earlier message. Here is the current question."))
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
        await _back(form)
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
            await _reask(form, invalid.message)
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
    await _accept(form, question, value)


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
        await _go_to(form, wizard, question)
        return
    if callback_data.action is not WizardAction.SUBMIT or account is None:
        await callback.answer(_("That button belongs to an earlier message."))
        return
    if wizard.purpose is Purpose.MEMBER:
        await _submit_member(callback, form, wizard, Finish(session, account, code_settings, bot))
        return
    try:
        await service.submit_declaration(session, account.id, wizard.answers, form.clock(), form.zone)
    except service.IncompleteDeclaration:
        await callback.answer()
        await _go_to(form, wizard, next_question(QUESTIONS[0], wizard.answers, editing=True))
        return
    await callback.answer(_("Submitted"))
    await drop_buttons(message)
    await form.state.clear()
    thanks = _("Thank you. Your declaration is saved; here is your health code.")
    await send_code(message, session, account, form.locale, form.clock, form.zone, code_settings, bot, intro=thanks)


async def _submit_member(callback: CallbackQuery, form: Form, wizard: WizardData, finish: Finish) -> None:
    """A family member's form submitted: the member, their declaration and their colour land together."""
    assert finish.account is not None
    # Stored by this bot from a checked button (MemberRelation); anything else reads as "other".
    relation = family.Relation(wizard.relation) if wizard.relation in set(family.Relation) else family.Relation.OTHER
    try:
        added = await family.add_member(
            finish.session, finish.account.id, relation, wizard.answers, form.clock(), form.zone
        )
    except service.IncompleteDeclaration:
        await callback.answer()
        await _go_to(form, wizard, next_question(QUESTIONS[0], wizard.answers, editing=True))
        return
    except (family.LimitReached, family.NotAnAccount):
        await callback.answer()
        await drop_buttons(form.message)
        await form.state.clear()
        await form.message.answer(family_presenter.limit_reached(), reply_markup=main_menu())
        return
    await callback.answer(_("Submitted"))
    await drop_buttons(form.message)
    await form.state.clear()
    holder = family.holder(added.member, finish.account.language)
    await send_code(
        form.message,
        finish.session,
        holder,
        form.locale,
        form.clock,
        form.zone,
        finish.code_settings,
        finish.bot,
        intro=family_presenter.added(added.member),
        member=True,
    )


async def process_member_relation(
    callback: CallbackQuery,
    callback_data: MemberRelation,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
) -> None:
    """The relationship chosen under /family: the form, asked about the member, with this account's phone
    as their contact (shown in the summary, to change there)."""
    message = callback.message
    if account is None or not isinstance(message, Message):
        await callback.answer(_("That button belongs to an earlier message."))
        return
    if not await family.can_add(session, account.id):
        await session.commit()
        await callback.answer()
        await message.answer(family_presenter.limit_reached())
        return
    contact = await family.default_contact(session, account.id)
    await session.commit()
    await callback.answer()
    under_way = is_form_state(await state.get_state())
    if under_way and WizardData.load(await state.get_data()).purpose is not Purpose.CHECKIN:
        # Starting the member's form here would lose the answers of the one under way.
        await message.answer(_("Please finish these questions first, or send /cancel."))
        return
    await show_answer(message, family_presenter.relation_chosen(callback_data.relation))
    form = Form(message, state, locale, clock, zone)
    await start_form(form, contact, Purpose.MEMBER, str(callback_data.relation))


async def _finish_checkin(form: Form, finish: Finish, wizard: WizardData) -> None:
    if finish.account is None:  # deleted their data while checking in
        await form.state.clear()
        await form.message.answer(_("You have no code yet. Send /start to answer the health questions."))
        return
    holder: Account | None = finish.account
    heading = ""
    if wizard.member is not None:
        # A check-in for a family member: stored as theirs once they are found to be this account's (None:
        # deleted meanwhile).
        member = await family.member(finish.session, finish.account.id, wizard.member)
        await finish.session.commit()
        holder = family.holder(member, finish.account.language) if member is not None else None
        heading = family_presenter.member_code_intro(member) + "\n" if member is not None else ""
    result = None
    if holder is not None:
        with suppress(service.IncompleteDeclaration):
            result = await record_checkin(finish.session, holder.id, wizard.answers, form.clock(), form.zone)
    if holder is None or result is None:
        await form.state.clear()
        await form.message.answer(_("Those answers could not be used; nothing was saved. Please send /checkin again."))
        return
    await form.state.clear()
    await send_code(
        form.message,
        finish.session,
        holder,
        form.locale,
        form.clock,
        form.zone,
        finish.code_settings,
        finish.bot,
        intro=heading + checkin_done_text(result, form.locale),
        member=holder is not finish.account,
    )


def create_router() -> Router:
    """The registration handlers, in the order their filters are tried."""
    router = Router(name="registration")
    router.message.register(process_back_word, StateFilter(Registration), Words(BACK, "back", "返回"))
    router.message.register(process_cancel_word, StateFilter(Registration), Words(CANCEL, "cancel", "取消"))
    router.message.register(process_shared_contact, StateFilter(Registration.phone), Has(F.contact))
    router.message.register(process_typed_answer, StateFilter(Registration), Has(F.text))
    router.message.register(process_unreadable_answer, StateFilter(Registration))
    router.callback_query.register(process_form_button, WizardCallback.filter())
    router.callback_query.register(process_member_relation, MemberRelation.filter())
    return router
