"""Checkpoint verification: a scanned code (/start <token>), /verify, a pasted link, a photo of a code.

Staff (and admins) get the verification card; anyone else a neutral message that reveals nothing of
the holder, not even whether the code is valid. Photos: a staff member's photo outside a conversation
is always answered; anyone's photo that holds a code is answered; every other photo goes on to the
other routers (the registration form answers photos itself).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart, Filter, StateFilter
from aiogram.types import CallbackQuery, Message, PhotoSize
from aiogram.utils.i18n import I18n
from aiohttp import ClientError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.codes.service import CodeSettings
from bot.filters import Has
from bot.menu import main_menu
from bot.messages import drop_buttons
from bot.middlewares import Provide
from bot.verification import presenter, service
from bot.verification.holder_notice import holder_text
from bot.verification.keyboards import (
    TemperatureCallback,
    correction_keyboard,
    scanner_keyboard,
    temperature_keyboard,
)
from bot.verification.reader import start_payload_token, token_in_image, token_in_text
from bot.verification.service import NotStaff, Recorded, Throttled, VerificationService
from bot.verification.throttle import FailureThrottle, Throttle

if TYPE_CHECKING:
    from bot.metrics import Metrics

logger = logging.getLogger(__name__)

# Telegram's photo sizes go up to 1280 px; the largest at most this is decoded (enough for a QR).
PHOTO_SIDE = 1280
MAX_PHOTO_BYTES = 10 * 1024 * 1024


# --- Reading a code -------------------------------------------------------------------------


def photo_to_read(sizes: list[PhotoSize]) -> PhotoSize:
    """The largest size up to PHOTO_SIDE, or the smallest there is when all are larger."""
    fitting = [size for size in sizes if max(size.width, size.height) <= PHOTO_SIDE]
    if fitting:
        return max(fitting, key=lambda size: size.width * size.height)
    return min(sizes, key=lambda size: size.width * size.height)


async def read_photo(bot: Bot, message: Message) -> str | None:
    """The token of the health code in the message's photo; None when there is none (or it cannot be read)."""
    if not message.photo:
        return None
    size = photo_to_read(message.photo)
    try:
        file = await bot.get_file(size.file_id)
        if file.file_path is None or (file.file_size or 0) > MAX_PHOTO_BYTES:
            return None
        downloaded = await bot.download_file(file.file_path, timeout=20)
    except (TelegramAPIError, ClientError, TimeoutError) as error:
        logger.warning("verification: could not download a photo: %s", type(error).__name__)
        return None
    if downloaded is None:
        return None
    data = downloaded.read()
    if len(data) > MAX_PHOTO_BYTES:
        return None
    # Decoding is CPU work (about 3 ms for a 1280 px photo, more on a slow machine): off the event loop.
    return await asyncio.to_thread(token_in_image, data)


class StaffOnly(Filter):
    """Checkpoint staff or an admin, checked on the server for every update."""

    async def __call__(self, message: Message, session: AsyncSession, admin_ids: Collection[int]) -> bool:
        user = message.from_user
        return user is not None and await service.can_verify(session, user.id, admin_ids)


class PhotoCode(Filter):
    """Reads the photo; passes the token on as `photo_token`. `required`: only photos that hold a code pass."""

    def __init__(self, required: bool) -> None:
        self._required = required

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        token = await read_photo(bot, message)
        if token is None and self._required:
            return False
        return {"photo_token": token}


class PastedCode(Filter):
    """Text that holds a code's link (t.me/<bot>?start=<token>) or is a bare token; passes it as `pasted_token`."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        # Another command's argument (an administrator's /override naming a family member by their code)
        # is that command's: /verify and /start with a code have handlers of their own, tried before this.
        if (message.text or "").startswith("/"):
            return False
        token = token_in_text(message.text)
        return {"pasted_token": token} if token is not None else False


def _services(throttle: Throttle) -> Provide:
    def verification(data: dict[str, Any]) -> VerificationService:
        settings: CodeSettings = data["code_settings"]
        return VerificationService(
            data["session"], data["admin_ids"], data["clock"], data["zone"], settings.keys, throttle
        )

    return Provide(verification=verification)


# --- Answering ------------------------------------------------------------------------------


async def _answer_token(
    message: Message, token: str, verification: VerificationService, locale: str, metrics: Metrics | None
) -> None:
    """The card for staff (the role is checked in the use case); the neutral words for anyone else."""
    user = message.from_user
    if user is None:
        return
    result = await verification.verify(user.id, token)
    if metrics is not None:
        metrics.verified(service.outcome_label(result))
    if isinstance(result, NotStaff):
        await message.answer(presenter.neutral_text(result.has_code))
    elif isinstance(result, Throttled):
        await message.answer(presenter.throttled_text(result.seconds))
    else:
        keyboard = temperature_keyboard(result.verification_id) if result.valid else None
        await message.answer(presenter.card_text(result, locale, verification.zone), reply_markup=keyboard)


async def verify_scanned(
    message: Message,
    command: CommandObject,
    verification: VerificationService,
    locale: str,
    metrics: Metrics | None = None,
) -> None:
    """/start <token>: what a phone camera opens when it scans a code."""
    await _answer_token(message, start_payload_token(command.args), verification, locale, metrics)


async def verify_command(
    message: Message,
    command: CommandObject,
    verification: VerificationService,
    locale: str,
    code_settings: CodeSettings,
    metrics: Metrics | None = None,
) -> None:
    if not (command.args or "").strip():
        user = message.from_user
        allowed = user is not None and await verification.can_verify(user.id)
        if not allowed:
            await message.answer(presenter.staff_only_text())
        elif code_settings.webapp_url is None:
            await message.answer(presenter.how_to_verify_text())
        else:
            # Only staff get the scanner's button; the page's API checks the role again on every scan.
            keyboard = scanner_keyboard(code_settings.webapp_url, main_menu().keyboard)
            await message.answer(presenter.how_to_verify_text(scanner=True), reply_markup=keyboard)
        return
    await _answer_token(message, start_payload_token(command.args), verification, locale, metrics)


async def verify_pasted(
    message: Message,
    pasted_token: str,
    verification: VerificationService,
    locale: str,
    metrics: Metrics | None = None,
) -> None:
    await _answer_token(message, pasted_token, verification, locale, metrics)


async def verify_staff_photo(
    message: Message,
    photo_token: str | None,
    verification: VerificationService,
    locale: str,
    metrics: Metrics | None = None,
) -> None:
    if photo_token is None:
        await message.answer(presenter.no_code_in_photo_text())
        return
    await _answer_token(message, photo_token, verification, locale, metrics)


async def verify_code_photo(
    message: Message,
    photo_token: str,
    verification: VerificationService,
    locale: str,
    metrics: Metrics | None = None,
) -> None:
    await _answer_token(message, photo_token, verification, locale, metrics)


async def record_temperature(
    query: CallbackQuery, callback_data: TemperatureCallback, verification: VerificationService, i18n: I18n
) -> None:
    result = await verification.record_temperature(query.from_user.id, callback_data.verification, callback_data.fever)
    message = query.message
    await query.answer(presenter.temperature_answer(result.outcome), show_alert=not result.outcome.stored)
    if result.outcome.stored:
        if isinstance(message, Message):
            card = presenter.card_with_temperature(message.html_text, result)
            # The other reading stays one press away for a few minutes (checked again on the server).
            keyboard = correction_keyboard(callback_data.verification, result.fever)
            with suppress(TelegramBadRequest):
                await message.edit_text(card, reply_markup=keyboard)
        if result.fever or result.outcome is Recorded.CHANGED:
            await verification.tell_holder(result, holder_text(i18n, result))
        return
    if result.outcome is Recorded.ALREADY:
        return  # a double tap: the card already shows the reading and its undo button
    # Someone else's card (a forwarded one?) stays as its staff member sees it; any other card is done.
    if result.outcome is not Recorded.NOT_YOURS and message is not None:
        await drop_buttons(message)


def create_router(throttle: Throttle | None = None) -> Router:
    """Included before onboarding: a scanned code opens the bot with /start <token>.

    `throttle`: failed checks counted across processes (Redis); by default in this process.
    """
    router = Router(name="verification")
    provide = _services(throttle or FailureThrottle())
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    router.message.register(verify_scanned, CommandStart(deep_link=True))
    router.message.register(verify_command, Command("verify"))
    # A staff member's own photo outside any conversation is meant for checking: always answered.
    router.message.register(
        verify_staff_photo,
        Has(F.photo),
        StateFilter(None),
        Has(F.forward_origin.is_(None)),
        StaffOnly(),
        PhotoCode(required=False),
    )
    # Anyone's photo that holds a code (a forwarded one too); any other photo goes on to other routers.
    router.message.register(verify_code_photo, Has(F.photo), PhotoCode(required=True))
    router.message.register(verify_pasted, Has(F.text), PastedCode())
    router.callback_query.register(record_temperature, TemperatureCallback.filter())
    return router
