"""A person's own data: /mydata sends everything stored about them, /delete erases it after a confirmation."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.accounts import Account
from bot.callbacks import ButtonNumber, MemberNumber
from bot.messages import drop_buttons
from bot.middlewares import Provide
from bot.personal_data import presenter, service
from bot.personal_data.service import PersonalDataService


class DeleteChoice(StrEnum):
    ERASE = "erase"
    KEEP = "keep"


class DeleteCallback(CallbackData, prefix="del"):
    choice: str
    # The code id of the account the confirmation was asked about (0: none). A confirmation left over
    # from before an earlier deletion cannot erase the account registered since.
    account: ButtonNumber


class DeleteMember(CallbackData, prefix="delmem"):
    """Delete one family member's data; the id is looked up among the presser's own members only."""

    member: MemberNumber


def delete_keyboard(account: Account | None, members: tuple[tuple[int, str], ...] = ()) -> InlineKeyboardMarkup:
    public_id = account.public_id if account is not None else 0
    builder = InlineKeyboardBuilder()
    builder.button(
        text=presenter.delete_button(), callback_data=DeleteCallback(choice=DeleteChoice.ERASE, account=public_id)
    )
    for member_id, name in members:
        builder.button(text=presenter.delete_member_button(name), callback_data=DeleteMember(member=member_id))
    builder.button(
        text=presenter.keep_button(), callback_data=DeleteCallback(choice=DeleteChoice.KEEP, account=public_id)
    )
    builder.adjust(1)
    return builder.as_markup()


async def process_mydata(message: Message, state: FSMContext, locale: str, personal_data: PersonalDataService) -> None:
    if message.from_user is None:
        return
    now = personal_data.clock()
    # Counted before anything is read: a refused request builds nothing.
    wait = await personal_data.claim_export(message.from_user.id, now)
    if wait:
        await message.answer(presenter.export_limited(wait))
        return
    data = await personal_data.stored_data(state, message.from_user.id)
    if data.empty:
        await message.answer(presenter.nothing_stored())
        return
    await message.answer_document(
        BufferedInputFile(presenter.data_text(data, locale, personal_data.zone, now), filename=presenter.TEXT_FILENAME)
    )
    await message.answer_document(
        BufferedInputFile(presenter.data_json(data, now), filename=presenter.JSON_FILENAME),
        caption=presenter.documents_caption(),
    )


async def process_delete(
    message: Message, state: FSMContext, account: Account | None, locale: str, personal_data: PersonalDataService
) -> None:
    if message.from_user is None:
        return
    if account is None and not await service.read_conversation(state):
        await message.answer(presenter.nothing_stored())
        return
    preview = await personal_data.erasure_preview(message.from_user.id)
    if preview.kept_by is not None:
        await message.answer(presenter.deletion_refused(preview.kept_by, locale))
        return
    await message.answer(
        presenter.delete_confirmation(preview, locale), reply_markup=delete_keyboard(account, preview.members)
    )


async def process_delete_member(
    callback: CallbackQuery,
    callback_data: DeleteMember,
    account: Account | None,
    bot: Bot,
    locale: str,
    personal_data: PersonalDataService,
) -> None:
    if account is None:
        await callback.answer(_("That button belongs to an earlier message."))
        return
    outcome, decision, name = await personal_data.erase_member(account.id, callback_data.member)
    if outcome is service.MemberErased.NOT_YOURS:
        await callback.answer(_("That button belongs to an earlier message."))
        return
    await callback.answer()
    if callback.message is not None:
        await drop_buttons(callback.message)
    chat_id = callback.message.chat.id if callback.message is not None else callback.from_user.id
    if decision is not None:
        await bot.send_message(chat_id, presenter.deletion_refused(decision, locale))
        return
    await bot.send_message(chat_id, presenter.member_deleted(name))


async def process_delete_choice(
    callback: CallbackQuery,
    callback_data: DeleteCallback,
    state: FSMContext,
    account: Account | None,
    bot: Bot,
    locale: str,
    personal_data: PersonalDataService,
) -> None:
    stale = callback_data.choice not in set(DeleteChoice) or (
        account is not None
        and callback_data.choice == DeleteChoice.ERASE
        and callback_data.account != account.public_id
    )
    if stale:
        await callback.answer(_("That button belongs to an earlier message."))
        return
    await callback.answer()
    if callback.message is not None:
        await drop_buttons(callback.message)
    chat_id = callback.message.chat.id if callback.message is not None else callback.from_user.id
    if callback_data.choice == DeleteChoice.KEEP:
        await bot.send_message(chat_id, presenter.kept())
        return
    erased = await personal_data.erase_everything(state, callback.from_user.id)
    if erased.kept_by is not None:
        # Set since the confirmation was shown: checked again where the deletion happens.
        await bot.send_message(chat_id, presenter.deletion_refused(erased.kept_by, locale))
        return
    if not erased.anything:
        await bot.send_message(chat_id, presenter.nothing_stored())
        return
    await bot.send_message(chat_id, presenter.deleted(), reply_markup=ReplyKeyboardRemove())


def _personal_data(data: dict[str, Any]) -> PersonalDataService:
    return PersonalDataService(data["session"], data["accounts"], data["clock"], data["zone"])


def create_router() -> Router:
    """The personal data handlers, in the order their filters are tried."""
    router = Router(name="personal_data")
    provide = Provide(personal_data=_personal_data)
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    router.message.register(process_mydata, Command("mydata"))
    router.message.register(process_delete, Command("delete"))
    router.callback_query.register(process_delete_choice, DeleteCallback.filter())
    router.callback_query.register(process_delete_member, DeleteMember.filter())
    return router
