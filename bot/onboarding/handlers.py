from __future__ import annotations

from collections.abc import Collection
from datetime import tzinfo

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.account_required import answer_send_start, for_account_holders
from bot.accounts import Account, Accounts
from bot.clock import Clock
from bot.db.repositories.assessments import AssessmentRepository
from bot.filters import Words
from bot.i18n import SUPPORTED_LOCALES, format_day, semicolons
from bot.menu import HELP, UPDATE_DECLARATION, main_menu
from bot.messages import drop_buttons
from bot.onboarding.service import help_for
from bot.onboarding.texts import (
    admin_help_text,
    help_text,
    hr_help_text,
    in_both_languages,
    privacy_notice,
    reviewer_help_text,
    staff_help_text,
)
from bot.registration import service as registration
from bot.registration.form import Form, resume_form, start_form
from bot.registration.questions import Registration
from bot.status.presenter import COLOUR_SYMBOLS, COLOUR_WORDS, reason_text

LANGUAGE_NAMES = {"en": "English", "zh": "中文"}


class LanguageCallback(CallbackData, prefix="lang"):
    code: str


class PrivacyCallback(CallbackData, prefix="privacy"):
    """Carries the language chosen before agreeing: until Agree nothing is stored, not even that choice."""

    language: str


async def _in_form(state: FSMContext) -> bool:
    return await state.get_state() in Registration


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LOCALES:
        builder.button(text=LANGUAGE_NAMES[code], callback_data=LanguageCallback(code=code))
    return builder.as_markup()


def privacy_keyboard(language: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="✅ " + _("I agree"), callback_data=PrivacyCallback(language=language))
    return builder.as_markup()


async def process_start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    locale: str,
    clock: Clock,
    zone: tzinfo,
) -> None:
    # /start <token> (a scanned code) never gets here: bot.verification answers it, before this router.
    if account is None:
        await message.answer(
            in_both_languages(_("Welcome to the Health Code bot. Choose your language:"), locale),
            reply_markup=language_keyboard(),
        )
        return
    if await _in_form(state):
        await message.answer(_("Welcome back. Let us continue where you stopped."))
        await resume_form(Form(message, state, locale, clock, zone))
        return
    assessment = await AssessmentRepository(session).current(account.id)
    if assessment is None:
        await start_form(Form(message, state, locale, clock, zone))
        return
    lines = [
        _("Welcome back. Your code is {symbol} {colour}.").format(
            symbol=COLOUR_SYMBOLS[assessment.colour], colour=COLOUR_WORDS[assessment.colour]
        )
    ]
    if assessment.reasons:
        lines.append(_("Why: {reasons}").format(reasons=semicolons(reason_text(code) for code in assessment.reasons)))
    if assessment.colour != "green" and assessment.clears_by_checkins and assessment.ends_on:
        lines.append(_("Earliest date it can turn green: {date}").format(date=format_day(assessment.ends_on, locale)))
    lines.append(_("Show your code with /code or the button below; /update to declare again."))
    await message.answer("\n".join(lines), reply_markup=main_menu())


async def process_language_command(message: Message, locale: str) -> None:
    await message.answer(in_both_languages(_("Choose your language:"), locale), reply_markup=language_keyboard())


async def process_language_choice(
    callback: CallbackQuery,
    callback_data: LanguageCallback,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    accounts: Accounts,
    i18n: I18n,
    clock: Clock,
    zone: tzinfo,
    retention_days: int,
) -> None:
    language = callback_data.code
    if language not in SUPPORTED_LOCALES or callback.message is None:
        await callback.answer(_("That button belongs to an earlier message."))
        return
    message = callback.message
    with i18n.use_locale(language):
        await callback.answer(LANGUAGE_NAMES[language])
        await drop_buttons(message)
        if account is None:
            await message.answer(privacy_notice(retention_days), reply_markup=privacy_keyboard(language))
            return
        await accounts.set_language(session, account.id, language)
        # The menu's buttons (show my code, check in) are for someone with a code; a newcomer has none yet.
        menu = main_menu() if await registration.has_declared(session, account.id) else None
        await message.answer(_("Language set to English."), reply_markup=menu)
        if await _in_form(state):
            await resume_form(Form(message, state, language, clock, zone))


async def process_privacy_command(message: Message, account: Account | None, locale: str, retention_days: int) -> None:
    await message.answer(
        privacy_notice(retention_days), reply_markup=privacy_keyboard(locale) if account is None else None
    )


async def process_privacy_agreement(
    callback: CallbackQuery,
    callback_data: PrivacyCallback,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    accounts: Accounts,
    locale: str,
    i18n: I18n,
    clock: Clock,
    zone: tzinfo,
) -> None:
    await callback.answer()
    if not isinstance(callback.message, Message):
        return
    await drop_buttons(callback.message)
    if account is not None:
        await callback.message.answer(_("You have already agreed. Send /start to see your code."))
        return
    language = callback_data.language if callback_data.language in SUPPORTED_LOCALES else locale
    await accounts.accept_privacy(session, callback.from_user.id, language, clock(), callback.from_user.username)
    with i18n.use_locale(language):
        await callback.message.answer(
            _("Thank you. A few questions follow, one at a time; Back and Cancel are under each.")
        )
        await start_form(Form(callback.message, state, language, clock, zone))


async def process_update(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    account: Account,
    locale: str,
    clock: Clock,
    zone: tzinfo,
) -> None:
    form = Form(message, state, locale, clock, zone)
    if await _in_form(state):
        # Starting again here would throw away the answers given so far.
        await message.answer(_("Please finish these questions first, or send /cancel."))
        await resume_form(form)
        return
    answers = await registration.answers_for_update(session, account.id, clock().astimezone(zone).date())
    if answers:  # before the first declaration there is nothing to fill in
        await message.answer(
            _("A new declaration, with your last answers filled in. Symptoms and temperature are asked afresh.")
        )
    await start_form(form, answers)


async def process_help(
    message: Message, session: AsyncSession, account: Account | None, admin_ids: Collection[int]
) -> None:
    """The commands, and those of checkpoint staff and administrators to them only."""
    if message.from_user is None:
        return
    found = await help_for(session, message.from_user.id, account.id if account is not None else None, admin_ids)
    parts = [help_text()]
    if found.staff:
        parts.append(staff_help_text())
    if found.hr:
        parts.append(hr_help_text())
    if found.reviewer:
        parts.append(reviewer_help_text())
    if found.admin:
        parts.append(admin_help_text())
    await message.answer("\n\n".join(parts), reply_markup=main_menu() if found.declared else None)


async def process_cancel_outside_form(message: Message) -> None:
    await message.answer(_("There is nothing to cancel."))


def create_router() -> Router:
    """The onboarding handlers, in the order their filters are tried."""
    router = Router(name="onboarding")
    router.message.register(process_start, CommandStart())
    router.message.register(process_language_command, Command("language"))
    router.callback_query.register(process_language_choice, LanguageCallback.filter())
    router.message.register(process_privacy_command, Command("privacy"))
    router.callback_query.register(process_privacy_agreement, PrivacyCallback.filter())
    for_account_holders(router.message, process_update, Command("update"), otherwise=answer_send_start)
    for_account_holders(
        router.message, process_update, Words(UPDATE_DECLARATION, "update", "更新"), otherwise=answer_send_start
    )
    router.message.register(process_help, Command("help"))
    router.message.register(process_help, Words(HELP, "help", "帮助"))
    router.message.register(process_cancel_outside_form, Command("cancel"), StateFilter(None))
    return router
