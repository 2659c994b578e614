from __future__ import annotations

from datetime import tzinfo

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.account_required import for_account_holders
from bot.accounts import Account
from bot.clock import Clock
from bot.codes.sending import send_code
from bot.codes.service import CodeSettings
from bot.filters import Words
from bot.menu import SHOW_CODE
from bot.registration.questions import Registration


async def show_code(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    account: Account,
    locale: str,
    clock: Clock,
    zone: tzinfo,
    code_settings: CodeSettings,
    bot: Bot,
) -> None:
    in_form = await state.get_state() in Registration
    await send_code(message, session, account, locale, clock, zone, code_settings, bot, in_form)


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
    return router
