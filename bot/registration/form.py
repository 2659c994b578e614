"""The form as other features use it: `Form`, `start_form`, `resume_form` (registration's public module).

The form asks the questions of `questions`, keeps its place in the conversation state and ends with the
summary (a declaration) or with the code (a check-in). The check-in, the onboarding and the organizations
start or resume it from here, never from registration/handlers.py; those handlers only read the update.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import InaccessibleMessage, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.checkin.presenter import checkin_done_text, family_summary_text
from bot.checkin.presenter import title as checkin_title
from bot.checkin.service import checkin_answers, record_checkin
from bot.clock import Clock
from bot.codes.sending import CodeService, code_service
from bot.family import presenter as family_presenter
from bot.family import service as family
from bot.fsm import save_state
from bot.menu import main_menu
from bot.registration import service
from bot.registration.keyboards import BACK, question_keyboard, summary_keyboard
from bot.registration.presenter import question_text, summary_text
from bot.registration.questions import (
    Kind,
    Purpose,
    Question,
    Registration,
    WizardData,
    first_question,
    next_question,
    previous_question,
    question_for_state,
    record_answer,
)


@dataclass(frozen=True, slots=True)
class Finish:
    """What ending a form needs beyond asking questions: the database, who is answering, how to show a code."""

    session: AsyncSession
    account: Account | None
    codes: CodeService


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
    everyone: WizardData | None = None,
) -> None:
    """Ask the questions not answered in `answers`; a check-in carries the given answers over unasked, and
    a family member's form the contact given by default (shown in the summary, to change there).
    `everyone`: a family check-in under way, whose members still to come and results so far go on."""
    answers = dict(answers or {})
    carried = list(answers) if purpose in (Purpose.CHECKIN, Purpose.MEMBER) else []
    wizard = WizardData(answers=answers, purpose=purpose, carried=carried, relation=relation, member=member)
    if everyone is not None:
        wizard.everyone, wizard.family, wizard.done = True, everyone.family, everyone.done
        wizard.revision = everyone.revision
    await go_to(form, wizard, first_question(wizard.answers))


async def check_in_everyone(form: Form, finish: Finish, members: list[int]) -> bool:
    """ "Check in everyone": the account first, then each of `members` (ids the account's own members were
    read with) in turn, symptoms and temperature only, as "nothing changed" asks. False when the account
    has nothing to check in on (no declaration)."""
    if finish.account is None:
        return False
    answers = await checkin_answers(finish.session, finish.account.id, form.today, changed=False)
    if answers is None:
        return False
    await form.message.answer(checkin_title())
    await start_form(form, answers, Purpose.CHECKIN, everyone=WizardData(everyone=True, family=members))
    return True


async def resume_form(form: Form) -> None:
    """Ask again where the person stopped: after a restart, a language change or a new /start."""
    await go_to(form, await form.wizard(), await form.question())


async def go_to(form: Form, wizard: WizardData, question: Question | None, error: str | None = None) -> None:
    """Store where the form is and ask it: a question, or the summary when `question` is None."""
    wizard.revision += 1
    if question is None and wizard.purpose is Purpose.CHECKIN and form.finish is not None:
        await _finish_checkin(form, form.finish, wizard)
        return
    if question is None:
        wizard.editing = True
        wizard.ticked = []
        await save_state(form.state, Registration.summary, wizard.dump())
        await form.message.answer(
            summary_text(wizard.answers, form.locale, wizard.about_them), reply_markup=summary_keyboard(wizard)
        )
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


async def reask(form: Form, error: str, suggestions: tuple[str, ...] = ()) -> None:
    """Explain what was wrong and ask the same question again; nothing is changed."""
    wizard = await form.wizard()
    question = await form.question()
    if question is None:
        await form.message.answer(f"⚠️ {error}")
        await form.message.answer(
            summary_text(wizard.answers, form.locale, wizard.about_them), reply_markup=summary_keyboard(wizard)
        )
        return
    await _ask(form, question, wizard, error, suggestions)


async def accept(form: Form, question: Question, value: object) -> None:
    wizard = await form.wizard()
    wizard.answers = record_answer(question, wizard.answers, value)
    wizard.ticked = []
    await go_to(form, wizard, next_question(question, wizard.answers, wizard.editing, wizard.carried))


# --- Back and Cancel, typed or pressed --------------------------------------------------------


async def back(form: Form) -> None:
    wizard = await form.wizard()
    current = await form.question()
    previous = previous_question(current, wizard.answers, wizard.carried)
    if previous is None:
        await reask(form, _("This is the first question."))
        return
    if current is not None and current.kind is Kind.PHONE:
        # The phone question's keyboard (share my number) would stay under the questions before it.
        await form.message.answer(f"⬅️ {BACK}", reply_markup=ReplyKeyboardRemove())
    await go_to(form, wizard, previous)


async def cancel(message: Message, state: FSMContext, session: AsyncSession, account: Account | None) -> None:
    await state.clear()
    if account is not None and await service.has_declared(session, account.id):
        await message.answer(_("Cancelled. Your earlier answers are unchanged."), reply_markup=main_menu())
    else:
        await message.answer(
            _("Cancelled. Nothing was saved. Send /start to begin again."), reply_markup=ReplyKeyboardRemove()
        )


async def _finish_checkin(form: Form, finish: Finish, wizard: WizardData) -> None:
    if finish.account is None:  # deleted their data while checking in
        await form.state.clear()
        await form.message.answer(_("You have no code yet. Send /start to answer the health questions."))
        return
    holder: Account | None = finish.account
    heading = ""
    member_name: str | None = None
    if wizard.member is not None:
        # A check-in for a family member: stored as theirs once they are found to be this account's (None:
        # deleted meanwhile).
        member = await family.member(finish.session, finish.account.id, wizard.member)
        await finish.session.commit()
        holder = family.holder(member, finish.account.language) if member is not None else None
        heading = family_presenter.member_code_intro(member) + "\n" if member is not None else ""
        member_name = member.name or "…" if member is not None else None
    result = None
    if holder is not None:
        with suppress(service.IncompleteDeclaration):
            result = await record_checkin(finish.session, holder.id, wizard.answers, form.clock(), form.zone)
    if holder is None or result is None:
        await form.state.clear()
        await form.message.answer(_("Those answers could not be used; nothing was saved. Please send /checkin again."))
        return
    if wizard.everyone:
        # Each person's check-in is stored when their own last answer is given, as a single check-in is:
        # so a /cancel midway keeps those already completed and drops only the one under way, exactly what
        # cancelling a single check-in does to it.
        wizard.done.append({"name": member_name, "colour": result.reassessed.row.colour})
        await _next_in_family(form, finish, finish.account, wizard)
        return
    await form.state.clear()
    await finish.codes.send(
        form.message,
        holder,
        intro=heading + checkin_done_text(result, form.locale, about_them=holder is not finish.account),
        member=holder is not finish.account,
    )


async def _next_in_family(form: Form, finish: Finish, account: Account, wizard: WizardData) -> None:
    """The next member of a family check-in, or the summary of everyone's colour when none is left."""
    while wizard.family:
        member_id = wizard.family.pop(0)
        # Theirs still (not deleted since the check-in began), and with a declaration to check in on.
        member = await family.member(finish.session, account.id, member_id)
        answers = await checkin_answers(finish.session, member_id, form.today, changed=False) if member else None
        if member is None or answers is None:
            continue
        await form.message.answer(checkin_title(member.name or "…"))
        await start_form(form, answers, Purpose.CHECKIN, member=member.id, everyone=wizard)
        return
    await form.state.clear()
    await form.message.answer(family_summary_text(wizard.done), reply_markup=main_menu())


@dataclass(frozen=True, slots=True)
class Forms:
    """The form's parts of one update (built by `Provide` from `forms_of`): a handler names the message the
    form answers in, and whether this step may end a check-in (`finishing`, which carries `finish`)."""

    state: FSMContext
    locale: str
    clock: Clock
    zone: tzinfo
    finish: Finish

    def on(self, message: Message | InaccessibleMessage) -> Form:
        return Form(message, self.state, self.locale, self.clock, self.zone)

    def finishing(self, message: Message | InaccessibleMessage) -> Form:
        return Form(message, self.state, self.locale, self.clock, self.zone, self.finish)


def forms_of(data: dict[str, Any]) -> Forms:
    finish = Finish(data["session"], data.get("account"), code_service(data))
    return Forms(data["state"], data["locale"], data["clock"], data["zone"], finish)
