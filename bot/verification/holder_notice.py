"""Telling a holder what a checkpoint recorded for them: shared by the chat's buttons and the Mini App's scanner."""

from __future__ import annotations

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import notices
from bot.clock import Clock
from bot.verification import presenter
from bot.verification.service import Recorded, TemperatureResult


async def tell_holder(session: AsyncSession, i18n: I18n, result: TemperatureResult, clock: Clock) -> None:
    if result.holder_id is None:
        return
    language = result.holder_language or i18n.default_locale
    with i18n.context(), i18n.use_locale(language):
        if result.fever:
            text = presenter.holder_fever_text(result, language)
        else:
            text = presenter.holder_correction_text(result)
    kind = "fever" if result.fever else "fever_corrected"
    if result.outcome is Recorded.CHANGED:
        # A correction made before its mistake was sent: the mistake is withdrawn and nothing is said.
        taken_back = "fever_corrected" if result.fever else "fever"
        await notices.take_back_or_tell(session, result.holder_id, taken_back, kind, text, clock())
        return
    await notices.tell(session, result.holder_id, kind, text, clock())


def should_tell(result: TemperatureResult) -> bool:
    """A fever is told at once, and so is a correction (the holder was told of what it takes back)."""
    return result.outcome.stored and (result.fever or result.outcome is Recorded.CHANGED)
