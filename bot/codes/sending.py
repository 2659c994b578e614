"""Sending a person their code: the one way every feature answers with it (codes' public module).

Handlers of other features (the form, a check-in) import this instead of codes/handlers.py.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import BufferedInputFile, InaccessibleMessage, InputMediaPhoto, Message
from aiogram.types.media_union import MediaUnion
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account
from bot.clock import Clock
from bot.codes import presenter, service
from bot.codes.keyboards import live_code_menu_button, why_keyboard
from bot.codes.service import CodeSettings, CurrentCode
from bot.menu import main_menu

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CodeService:
    """Showing a code, bound to one update's session, clock, language and the bot's settings (built by
    `Provide` from `code_service`), so a handler that answers with a code asks for this one thing."""

    session: AsyncSession
    clock: Clock
    zone: tzinfo
    settings: CodeSettings
    bot: Bot
    locale: str

    async def send(
        self,
        message: Message | InaccessibleMessage,
        account: Account,
        *,
        in_form: bool = False,
        intro: str | None = None,
        member: bool = False,
    ) -> CurrentCode | None:
        """The code as a photo whose caption is short enough to keep the QR on a phone's screen.

        `intro` (what was just done: a declaration, a check-in) goes in a message above the code, with why the
        colour and the way to green, and the main menu; the photo carries the "Why this colour?" button.
        `member`: the code is a family member's (`account` is the member as holder, shown in this chat): its
        photo goes without "Why this colour?", which answers the presser's own status, and the chat's menu
        button (the presser's own live code) is left alone.
        Returns the code shown; None when there is none yet.
        """
        session, settings, bot, locale, zone = self.session, self.settings, self.bot, self.locale, self.zone
        now = self.clock()
        current = await service.current_code(session, account, locale, now, zone, settings)
        if current is None:
            await message.answer(presenter.no_code_yet(in_form))
            return None
        if intro is not None:
            explained = intro + "\n\n" + presenter.explanation(current, locale, now, zone, about_them=member)
            await message.answer(explained, reply_markup=main_menu())
        caption = presenter.caption(current, locale, now, zone)
        keyboard = None if member else why_keyboard(settings.webapp_url)
        key = presenter.image_key(current, zone, settings)
        name = current.holder_name
        if (cached := presenter.cached_file_id(current, key)) is not None:
            try:
                # Nothing changed since the last image: Telegram already has it, so no drawing and no upload.
                await bot.send_photo(message.chat.id, cached, caption=caption, reply_markup=keyboard)
                return current
            except TelegramBadRequest:  # Telegram no longer knows the file (e.g. another bot token): draw it again
                pass
        if name is None:
            name = await service.holder_name(session, account.id)
        png = presenter.render(current, name, zone, settings)
        sent = await bot.send_photo(
            message.chat.id,
            BufferedInputFile(png, filename="health-code.png"),
            caption=caption,
            reply_markup=keyboard,
        )
        if sent.photo:
            await service.remember_file_id(session, account.id, current.code.token, sent.photo[-1].file_id, key)
        if settings.webapp_url is not None and not member:
            # A new picture means a new code (a new day, colour or language): the menu button follows, in the
            # person's language, without a call on every code shown from the cache.
            await _set_menu_button(bot, message.chat.id, settings.webapp_url)
        return current

    async def holder_name(self, user_id: int) -> str:
        """The name on a holder's code (the caption of their picture in an album)."""
        name = await service.holder_name(self.session, user_id)
        await self.session.commit()
        return name

    async def send_album(self, message: Message | InaccessibleMessage, holders: Sequence[tuple[Account, str]]) -> None:
        """Several codes as one album (the account's and its family members'), each photo captioned with the
        holder's name and colour. A picture unchanged since it was last drawn goes by its file_id, as a single
        code does; the others are drawn and their new file_ids remembered. `holders` are (holder, name)."""
        session, settings, bot, locale, zone = self.session, self.settings, self.bot, self.locale, self.zone
        now = self.clock()
        shown: list[tuple[Account, service.CurrentCode, str, str]] = []
        for holder, name in holders:
            current = await service.current_code(session, holder, locale, now, zone, settings)
            if current is not None:
                shown.append((holder, current, name, presenter.image_key(current, zone, settings)))
        if len(shown) < 2:  # an album is 2 to 10 pictures; one code alone is shown as ever
            for holder, _current, _name, _key in shown:
                await self.send(message, holder, member=holder.id != holders[0][0].id)
            if not shown:
                await message.answer(presenter.no_code_yet(False))
            return
        try:
            sent = await bot.send_media_group(message.chat.id, self._album(shown, now, cached=True))
        except TelegramBadRequest:  # Telegram no longer knows a file: every picture is drawn again
            sent = await bot.send_media_group(message.chat.id, self._album(shown, now, cached=False))
        for (holder, current, _name, key), photo in zip(shown, sent, strict=False):
            if photo.photo and photo.photo[-1].file_id != presenter.cached_file_id(current, key):
                await service.remember_file_id(session, holder.id, current.code.token, photo.photo[-1].file_id, key)

    def _album(
        self, shown: Sequence[tuple[Account, service.CurrentCode, str, str]], now: datetime, cached: bool
    ) -> list[MediaUnion]:
        album: list[MediaUnion] = []
        for _holder, current, name, key in shown:
            caption = presenter.album_caption(name, current, self.locale, now, self.zone)
            file_id = presenter.cached_file_id(current, key) if cached else None
            if file_id is not None:
                album.append(InputMediaPhoto(media=file_id, caption=caption))
            else:
                png = presenter.render(current, name, self.zone, self.settings)
                picture = BufferedInputFile(png, filename="health-code.png")
                album.append(InputMediaPhoto(media=picture, caption=caption))
        return album


def code_service(data: dict[str, Any]) -> CodeService:
    """`Provide`'s factory: the update's session and language, the bot's clock, zone and settings."""
    return CodeService(data["session"], data["clock"], data["zone"], data["code_settings"], data["bot"], data["locale"])


async def _set_menu_button(bot: Bot, chat_id: int, webapp_url: str) -> None:
    try:
        await bot.set_chat_menu_button(chat_id=chat_id, menu_button=live_code_menu_button(webapp_url))
    except TelegramAPIError as error:  # the code is sent; a missing shortcut is no reason to fail the update
        logger.warning("codes: could not set the menu button: %s", type(error).__name__)
