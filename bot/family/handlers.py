"""/family: the account's members, with a button for each one's code and one to add another.

Adding starts with the relationship (here); the form about the member is registration's, and a member's
code is shown by the codes feature: each button goes to the feature whose work it is."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.account_required import for_account_holders
from bot.accounts import Account
from bot.family import presenter, service
from bot.family.keyboards import AddMember, family_keyboard, relation_keyboard
from bot.family.service import FamilyService
from bot.filters import Words
from bot.menu import FAMILY
from bot.middlewares import Provide


async def show_family(message: Message, family: FamilyService, account: Account) -> None:
    members = await family.list_members(account.id)
    can_add = len(members) < service.MEMBER_LIMIT
    await message.answer(presenter.family_text(members), reply_markup=family_keyboard(members, can_add))


async def process_add(callback: CallbackQuery, family: FamilyService, account: Account | None) -> None:
    if account is None or not isinstance(callback.message, Message):
        await callback.answer(_("That button belongs to an earlier message."))
        return
    can_add = await family.room_for_another(account.id)
    await callback.answer()
    if not can_add:
        await callback.message.answer(presenter.limit_reached())
        return
    await callback.message.answer(presenter.ask_relation(), reply_markup=relation_keyboard())


def _family(data: dict[str, Any]) -> FamilyService:
    return FamilyService(data["session"])


def create_router() -> Router:
    router = Router(name="family")
    provide = Provide(family=_family)
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    for_account_holders(router.message, show_family, Command("family"))
    for_account_holders(router.message, show_family, Words(FAMILY, "family", "my family", "家人", "我的家人"))
    router.callback_query.register(process_add, AddMember.filter())
    return router
