"""The broadcast engine (issue 5): works through stored reminder jobs. Built next; a stub until then."""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock


async def run_sender(
    sessions: async_sessionmaker[AsyncSession], bot: Bot, i18n: I18n, clock: Clock, rate_per_second: float
) -> None:
    while True:
        await asyncio.sleep(3600)
