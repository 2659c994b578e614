from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.account_required import for_account_holders
from bot.accounts import Account
from bot.codes.sending import CodeService, code_service
from bot.family import presenter as family_presenter
from bot.family import service as family
from bot.family.keyboards import AllCodes, MemberCode, family_keyboard
from bot.filters import Words
from bot.menu import SHOW_CODE
from bot.middlewares import Provide
from bot.registration.questions import Registration


async def show_code(
    message: Message, state: FSMContext, session: AsyncSession, account: Account, codes: CodeService
) -> None:
    in_form = await state.get_state() in Registration
    shown = await codes.send(message, account, in_form=in_form)
    # Nearly everyone has no family: the code's own read says so, and only a family's /code reads the members.
    members = await family.list_members(session, account.id) if shown is None or shown.has_family else []
    if members:
        # Their own code first (the one shown at a gate most); the family's one press away.
        keyboard = family_keyboard(members, can_add=False, all_codes=True)
        await message.answer(family_presenter.choose_code(), reply_markup=keyboard)


async def show_all_codes(
    callback: CallbackQuery, session: AsyncSession, account: Account | None, codes: CodeService
) -> None:
    """ "All codes": the presser's own code and each of their own members' (read now, on the server), as one
    album; no family (a stranger pressing a forged button) is a stale button."""
    message = callback.message
    members = await family.list_members(session, account.id) if account is not None else []
    if account is None or not members or message is None:
        await callback.answer(_("That button belongs to an earlier message."))
        return
    await callback.answer()
    own = await codes.holder_name(account.id)
    holders = [(account, own)] + [(family.holder(m, account.language), m.name or "") for m in members]
    await codes.send_album(message, holders)


async def show_member_code(
    callback: CallbackQuery,
    callback_data: MemberCode,
    session: AsyncSession,
    account: Account | None,
    codes: CodeService,
) -> None:
    """A member's code, found only among the presser's own members: a forged or someone else's id gets the
    same answer as a stale button, and nothing about whether that member exists."""
    message = callback.message
    member = await family.find_member(session, account.id, callback_data.member) if account is not None else None
    if account is None or member is None or message is None:
        await callback.answer(_("That button belongs to an earlier message."))
        return
    await callback.answer()
    await _send_member_code(message, account, member, codes)


async def show_member_code_by_name(
    message: Message, session: AsyncSession, account: Account, codes: CodeService, name: str
) -> None:
    """ "show Mia's code": their member of that name (or first name), or which names there are."""
    member, members = await family.find_member_named(session, account.id, name)
    if member is None:
        await message.answer(
            family_presenter.no_member_named(name, members),
            reply_markup=family_keyboard(members, can_add=False) if members else None,
        )
        return
    await _send_member_code(message, account, member, codes)


async def _send_member_code(
    message: Message | InaccessibleMessage, account: Account, member: family.Member, codes: CodeService
) -> None:
    holder = family.holder(member, account.language)
    await message.answer(family_presenter.member_code_intro(member))
    await codes.send(message, holder, member=True)


class MemberCodeByName(Filter):
    """ "show Mia's code", "Mia's code", "出示Mia的健康码": passes the name on to the handler."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        text = message.text
        if not text or len(text) > 120 or message.forward_origin is not None:
            return False
        name = family_presenter.name_in_code_request(text)
        return {"name": name} if name else False


# Words that wrap a request for the code, as people type it: "show me my code please", "请出示我的健康码".
ASKING_FOR_THE_CODE = (
    *("please", "pls", "plz", "can", "could", "would", "you", "i", "want", "wanna", "to", "see", "show", "display"),
    *("give", "open", "get", "send", "need", "me", "the", "a", "my", "now", "thanks", "thank", "hi", "hello"),
    *("let", "view", "current", "today's", "todays", "here", "is", "it", "where"),
    *("请", "出示", "显示", "展示", "给我", "看看", "看一下", "查看", "打开", "我要", "我想", "我的", "一下"),
    *("麻烦", "帮我", "谢谢", "今天", "当前", "在哪", "吧", "呢", "的"),
)


def create_router() -> Router:
    """The codes handlers, in the order their filters are tried."""
    router = Router(name="codes")
    provide = Provide(codes=code_service)
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    for_account_holders(router.message, show_code, Command("code"))
    for_account_holders(
        router.message,
        show_code,
        Words(
            SHOW_CODE,
            "show my code",
            "my code",
            "code",
            "health code",
            "my health code",
            "show my health code",
            "健康码",
            "我的健康码",
            "我的码",
            "显示我的健康码",
            "出示健康码",
            "亮码",
            fillers=ASKING_FOR_THE_CODE,
        ),
    )
    # Outside any conversation only: mid-form or while HR writes a reminder, "…'s code" is their text.
    for_account_holders(router.message, show_member_code_by_name, StateFilter(None), MemberCodeByName())
    router.callback_query.register(show_member_code, MemberCode.filter())
    router.callback_query.register(show_all_codes, AllCodes.filter())
    return router
