"""Telling a holder what a checkpoint recorded for them: shared by the chat's buttons and the Mini App's scanner."""

from __future__ import annotations

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.verification import presenter, service
from bot.verification.service import Recorded, TemperatureResult


def holder_text(i18n: I18n, result: TemperatureResult) -> str:
    """In the holder's language, not the staff member's."""
    language = result.holder_language or i18n.default_locale
    with i18n.context(), i18n.use_locale(language):
        if result.fever:
            return presenter.holder_fever_text(result, language)
        return presenter.holder_correction_text(result)


async def tell_holder(session: AsyncSession, i18n: I18n, result: TemperatureResult, clock: Clock) -> None:
    await service.tell_holder(session, result, holder_text(i18n, result), clock())


def should_tell(result: TemperatureResult) -> bool:
    """A fever is told at once, and so is a correction (the holder was told of what it takes back)."""
    return result.outcome.stored and (result.fever or result.outcome is Recorded.CHANGED)
