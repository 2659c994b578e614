"""Invite links: /start join-<code>, the language, the privacy notice and the choice to join. Only that
payload is taken here; other /start payloads (a scanned code) go on to verification.
"""

from __future__ import annotations

from datetime import tzinfo

from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account, Accounts
from bot.clock import Clock
from bot.family import service as family
from bot.i18n import SUPPORTED_LOCALES
from bot.messages import drop_buttons
from bot.onboarding.texts import privacy_notice
from bot.organizations import presenter as common_presenter
from bot.organizations.invites import presenter, service
from bot.organizations.invites.service import JoinOutcome
from bot.organizations.keyboards import (
    InviteAgree,
    InviteLanguage,
    JoinChoice,
    JoinFor,
    invite_agree_keyboard,
    invite_language_keyboard,
    join_keyboard,
)
from bot.organizations.service import INVITE_PREFIX
from bot.registration.form import Form, start_form

# --- Invites -----------------------------------------------------------------------------------------


async def process_invite(
    message: Message, command: CommandObject, session: AsyncSession, account: Account | None, locale: str
) -> None:
    invite_code = (command.args or "").removeprefix(INVITE_PREFIX)
    if account is not None:
        await _offer_join(message, session, account.id, invite_code, locale)
        return
    # Nothing is stored for someone who has not agreed to the privacy notice: the invite travels in
    # the buttons of the language choice and of the notice, and is used when they agree.
    invitation = await service.invitation(session, None, invite_code)
    if invitation.organization is None:
        await message.answer(presenter.unknown_invite())
        return
    await message.answer(
        presenter.welcome_invited(invitation.organization, locale),
        reply_markup=invite_language_keyboard(invitation.organization.invite_code),
    )


async def _offer_join(message: Message, session: AsyncSession, user_id: int, invite_code: str, locale: str) -> None:
    """For someone with an account: "Join X?", with buttons; one more for each family member (a child's
    school sends its invite to the parent)."""
    members = [(member.id, member.name or "") for member in await family.members(session, user_id)]
    invitation = await service.invitation(session, user_id, invite_code)
    if invitation.organization is None:
        await message.answer(presenter.unknown_invite())
    elif invitation.already_member and not members:
        await message.answer(presenter.already_member(invitation.organization, locale))
    else:
        text = (
            presenter.already_member(invitation.organization, locale)
            if invitation.already_member
            else presenter.join_question(invitation, locale)
        )
        keyboard = join_keyboard(invitation.organization.invite_code, members, not invitation.already_member)
        await message.answer(text, reply_markup=keyboard)


async def process_join_for(
    callback: CallbackQuery,
    callback_data: JoinFor,
    session: AsyncSession,
    account: Account | None,
    locale: str,
) -> None:
    message = callback.message
    member = await family.find_member(session, account.id, callback_data.member) if account is not None else None
    if member is None or not isinstance(message, Message):
        await callback.answer(common_presenter.stale_button())
        return
    await callback.answer()
    await drop_buttons(message)
    # The invite code is checked again here, as for the account's own Join.
    joined = await service.join(session, member.id, callback_data.invite)
    await message.answer(presenter.member_join_result(member.name or "", joined, locale))


async def process_join_choice(
    callback: CallbackQuery,
    callback_data: JoinChoice,
    session: AsyncSession,
    account: Account | None,
    locale: str,
) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    await drop_buttons(message)
    if not callback_data.yes:
        await message.answer(presenter.join_cancelled())
        return
    if account is None:  # they deleted their data since
        await message.answer(presenter.join_result(service.Joined(JoinOutcome.NO_ACCOUNT), locale))
        return
    # The invite code, not an organization's number, is what the button carries: it is checked again here.
    joined = await service.join(session, account.id, callback_data.invite)
    await message.answer(presenter.join_result(joined, locale))


async def process_invite_language(
    callback: CallbackQuery,
    callback_data: InviteLanguage,
    session: AsyncSession,
    account: Account | None,
    i18n: I18n,
    retention_days: int,
) -> None:
    language = callback_data.code
    message = callback.message
    if language not in SUPPORTED_LOCALES or not isinstance(message, Message):
        await callback.answer(common_presenter.stale_button())
        return
    with i18n.use_locale(language):
        await callback.answer()
        await drop_buttons(message)
        if account is not None:
            # They agreed meanwhile (by /start); their language is theirs to change with /language.
            await _offer_join(message, session, account.id, callback_data.invite, account.language)
            return
        invitation = await service.invitation(session, None, callback_data.invite)
        if invitation.organization is None:
            await message.answer(presenter.unknown_invite())
            return
        text = (
            privacy_notice(retention_days) + "\n\n" + presenter.privacy_invite_note(invitation.organization, language)
        )
        await message.answer(text, reply_markup=invite_agree_keyboard(language, callback_data.invite))


async def process_invite_agree(
    callback: CallbackQuery,
    callback_data: InviteAgree,
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
    message = callback.message
    if not isinstance(message, Message):
        return
    await drop_buttons(message)
    if account is not None:
        await _offer_join(message, session, account.id, callback_data.invite, locale)
        return
    language = callback_data.language if callback_data.language in SUPPORTED_LOCALES else locale
    # As onboarding does on its "I agree": the account, then (here) the organization, then the questions.
    await accounts.accept_privacy(session, callback.from_user.id, language, clock(), callback.from_user.username)
    joined = await service.join(session, callback.from_user.id, callback_data.invite)
    with i18n.use_locale(language):
        await message.answer(presenter.join_result(joined, language))
        await message.answer(common_presenter.questions_follow())
        await start_form(Form(message, state, language, clock, zone))
