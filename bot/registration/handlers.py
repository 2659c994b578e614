"""Thin handlers of the form: read the answer, let `questions` judge it, ask the next question."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter, MagicData, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.codes.sending import CodeService, code_service
from bot.family import presenter as family_presenter
from bot.family import service as family
from bot.family.keyboards import MemberRelation
from bot.filters import Has, Words
from bot.menu import main_menu
from bot.messages import drop_buttons, show_answer
from bot.middlewares import Provide
from bot.registration import service
from bot.registration.form import Finish, Form, Forms, accept, back, cancel, forms_of, go_to, reask, start_form
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
    Purpose,
    Question,
    Registration,
    WizardData,
    next_question,
    parse_shared_phone,
    question_for_state,
)


def _unreadable() -> str:
    return _("I can only read text or the buttons here.")


async def process_back_word(message: Message, forms: Forms) -> None:
    await back(forms.on(message))


async def process_cancel_word(
    message: Message, state: FSMContext, session: AsyncSession, account: Account | None
) -> None:
    await cancel(message, state, session, account)


# --- Answers ----------------------------------------------------------------------------------


async def process_shared_contact(message: Message, forms: Forms) -> None:
    form = forms.on(message)
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
    forms: Forms,
) -> None:
    form = forms.finishing(message)
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


async def process_unreadable_answer(message: Message, forms: Forms) -> None:
    """Stickers, photos, voice, someone else's contact: explain and ask again."""
    await reask(forms.on(message), _unreadable())


# --- Buttons ----------------------------------------------------------------------------------
# The router picks the handler by the button's action; `CurrentStep` lets through only a button made for the
# message the form is at now, and any other goes to `process_stale_button`.


class CurrentStep(Filter):
    """The button belongs to the form's current message (its step and revision): gives the handler that
    `message` (known to be editable) and the `question` it asks (None: the summary)."""

    async def __call__(
        self, callback: CallbackQuery, callback_data: WizardCallback, state: FSMContext
    ) -> bool | dict[str, Any]:
        message = callback.message
        if not isinstance(message, Message):  # too old for Telegram to let us answer in place
            return False
        current_state = await state.get_state()
        step = _step(current_state)
        revision = WizardData.load(await state.get_data()).revision
        if step is None or (callback_data.step, callback_data.revision) != (step, revision):
            return False
        return {"message": message, "question": question_for_state(current_state)}


def _step(state: str | None) -> str | None:
    """The `step` the buttons of the form's current message carry; None outside the form."""
    question = question_for_state(state)
    return question.key if question else (SUMMARY_STEP if state == Registration.summary.state else None)


async def process_stale_button(callback: CallbackQuery, forms: Forms) -> None:
    """A button of an earlier message of the form: said so, its buttons dropped, the current question asked."""
    message = callback.message
    await callback.answer(_("That button belongs to an earlier message."))
    if not isinstance(message, Message):
        return
    await drop_buttons(message)
    if _step(await forms.state.get_state()) is not None:
        form = forms.on(message)
        await reask(form, _("That button belongs to an earlier message. Here is the current question."))


async def _not_for_this_step(callback: CallbackQuery) -> None:
    """A current button asking what its question does not offer (no button of ours does): nothing changes."""
    await callback.answer(_("That button belongs to an earlier message."))


async def process_cancel_button(
    callback: CallbackQuery, message: Message, state: FSMContext, session: AsyncSession, account: Account | None
) -> None:
    await callback.answer()
    await drop_buttons(message)
    await cancel(message, state, session, account)


async def process_back_button(callback: CallbackQuery, message: Message, forms: Forms) -> None:
    await callback.answer()
    await drop_buttons(message)
    await back(forms.on(message))


async def process_pick_button(
    callback: CallbackQuery,
    callback_data: WizardCallback,
    message: Message,
    question: Question | None,
    forms: Forms,
) -> None:
    """One of a choice question's options, or a day offered by a date question."""
    form = forms.finishing(message)
    if question is not None and question.kind is Kind.CHOICE and (option := question.option(callback_data.value)):
        await _chosen(callback, message, form, question, option.answer)
    elif question is not None and question.kind is Kind.DATE and question.parse is not None:
        try:
            value = question.parse(callback_data.value, (await form.wizard()).answers, form.today)
        except InvalidAnswer as invalid:
            await callback.answer()
            await reask(form, invalid.message)
            return
        await _chosen(callback, message, form, question, value)
    else:
        await _not_for_this_step(callback)


async def process_tick_button(
    callback: CallbackQuery,
    callback_data: WizardCallback,
    message: Message,
    question: Question | None,
    state: FSMContext,
    forms: Forms,
) -> None:
    """Ticks or unticks one option of a question with several answers; the keyboard shows the ticks."""
    if question is None or question.kind is not Kind.MULTI or not question.option(callback_data.value):
        await _not_for_this_step(callback)
        return
    form = forms.on(message)
    wizard = await form.wizard()
    ticked = set(wizard.ticked) ^ {callback_data.value}
    wizard.ticked = [option.value for option in question.options if option.value in ticked]
    await state.update_data(ticked=wizard.ticked)
    await callback.answer()
    keyboard = inline_question_keyboard(question, wizard, form.today, form.locale)
    # "not modified" after a double tap: the keyboard is right already
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=keyboard)


async def process_none_button(
    callback: CallbackQuery,
    message: Message,
    question: Question | None,
    forms: Forms,
) -> None:
    """ "None of these" under a question with several answers."""
    if question is None or question.kind is not Kind.MULTI:
        await _not_for_this_step(callback)
        return
    form = forms.finishing(message)
    await _chosen(callback, message, form, question, [])


async def process_done_button(
    callback: CallbackQuery,
    message: Message,
    question: Question | None,
    forms: Forms,
) -> None:
    """ "Done" under a question with several answers: the ticked ones are the answer."""
    if question is None or question.kind is not Kind.MULTI:
        await _not_for_this_step(callback)
        return
    form = forms.finishing(message)
    ticked = (await form.wizard()).ticked
    if not ticked:
        await callback.answer(
            _("Choose at least one, or press “{none}”.").format(none=str(question.none_label or "")),
            show_alert=True,
        )
        return
    await _chosen(callback, message, form, question, list(ticked))


async def _chosen(callback: CallbackQuery, message: Message, form: Form, question: Question, value: object) -> None:
    """The buttons under the question (`message`, the form's) become its answer; then the next question."""
    await callback.answer()
    about_them = (await form.wizard()).about_them
    await show_answer(message, chosen_text(question, value, form.locale, about_them))
    await accept(form, question, value)


async def process_edit_button(
    callback: CallbackQuery,
    callback_data: WizardCallback,
    message: Message,
    question: Question | None,
    forms: Forms,
) -> None:
    """A line of the summary pressed: its question is asked again."""
    form = forms.on(message)
    wizard = await form.wizard()
    edited = QUESTIONS_BY_KEY.get(callback_data.value)
    if question is not None or edited is None or not edited.applies(wizard.answers):
        await _not_for_this_step(callback)
        return
    await callback.answer()
    await drop_buttons(message)
    await go_to(form, wizard, edited)


async def process_submit_button(
    callback: CallbackQuery,
    message: Message,
    question: Question | None,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    forms: Forms,
    codes: CodeService,
) -> None:
    """Submit under the summary: the declaration is saved and the code shown."""
    if question is not None or account is None:
        await _not_for_this_step(callback)
        return
    form = forms.finishing(message)
    wizard = await form.wizard()
    if wizard.purpose is Purpose.MEMBER:
        await _submit_member(callback, message, form, wizard, forms.finish)
        return
    try:
        await service.submit_declaration(session, account.id, wizard.answers, form.clock(), form.zone)
    except service.IncompleteDeclaration:
        await callback.answer()
        await go_to(form, wizard, next_question(QUESTIONS[0], wizard.answers, editing=True))
        return
    await callback.answer(_("Submitted"))
    await drop_buttons(message)
    await state.clear()
    thanks = _("Thank you. Your declaration is saved; here is your health code.")
    await codes.send(message, account, intro=thanks)


async def _submit_member(
    callback: CallbackQuery, message: Message, form: Form, wizard: WizardData, finish: Finish
) -> None:
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
        await go_to(form, wizard, next_question(QUESTIONS[0], wizard.answers, editing=True))
        return
    except (family.LimitReached, family.NotAnAccount):
        await callback.answer()
        await drop_buttons(message)
        await form.state.clear()
        await message.answer(family_presenter.limit_reached(), reply_markup=main_menu())
        return
    await callback.answer(_("Submitted"))
    await drop_buttons(message)
    await form.state.clear()
    holder = family.holder(added.member, finish.account.language)
    await finish.codes.send(
        message,
        holder,
        intro=family_presenter.added(added.member),
        member=True,
    )


async def process_member_relation(
    callback: CallbackQuery,
    callback_data: MemberRelation,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    forms: Forms,
) -> None:
    """The relationship chosen under /family: the form, asked about the member, with this account's phone
    as their contact (shown in the summary, to change there)."""
    message = callback.message
    if account is None or not isinstance(message, Message):
        await callback.answer(_("That button belongs to an earlier message."))
        return
    contact = await family.new_member_form(session, account.id)
    if contact is None:
        await callback.answer()
        await message.answer(family_presenter.limit_reached())
        return
    await callback.answer()
    under_way = await state.get_state() in Registration
    if under_way and WizardData.load(await state.get_data()).purpose is not Purpose.CHECKIN:
        # Starting the member's form here would lose the answers of the one under way.
        await message.answer(_("Please finish these questions first, or send /cancel."))
        return
    await show_answer(message, family_presenter.relation_chosen(callback_data.relation))
    form = forms.on(message)
    await start_form(form, contact, Purpose.MEMBER, str(callback_data.relation))


BUTTONS: dict[WizardAction, Callable[..., Awaitable[None]]] = {
    WizardAction.CANCEL: process_cancel_button,
    WizardAction.BACK: process_back_button,
    WizardAction.PICK: process_pick_button,
    WizardAction.TICK: process_tick_button,
    WizardAction.NONE: process_none_button,
    WizardAction.DONE: process_done_button,
    WizardAction.EDIT: process_edit_button,
    WizardAction.SUBMIT: process_submit_button,
}


def create_router() -> Router:
    """The registration handlers, in the order their filters are tried."""
    router = Router(name="registration")
    provide = Provide(codes=code_service, forms=forms_of)
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    router.message.register(process_back_word, StateFilter(Registration), Words(BACK, "back", "返回"))
    router.message.register(process_cancel_word, StateFilter(Registration), Words(CANCEL, "cancel", "取消"))
    router.message.register(process_shared_contact, StateFilter(Registration.phone), Has(F.contact))
    router.message.register(process_typed_answer, StateFilter(Registration), Has(F.text))
    router.message.register(process_unreadable_answer, StateFilter(Registration))
    # The form's buttons: parsed once for all their handlers, then one handler per action.
    buttons = Router(name="registration buttons")
    buttons.callback_query.filter(WizardCallback.filter())
    for action, handler in BUTTONS.items():
        buttons.callback_query.register(handler, MagicData(F.callback_data.action == action), CurrentStep())
    buttons.callback_query.register(process_stale_button)
    router.include_router(buttons)
    router.callback_query.register(process_member_relation, MemberRelation.filter())
    return router
