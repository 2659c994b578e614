"""/override: an administrator sets a person's colour, or ends the override. Checked on the server."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Collection
from datetime import date, datetime, timedelta, tzinfo
from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import notices
from bot.clock import Clock
from bot.domain.answers import Colour
from bot.overrides import presenter, service
from bot.roles.service import is_admin
from bot.roles.targets import find_person
from bot.status.service import local_day

logger = logging.getLogger(__name__)

COLOUR_WORDS = {
    "green": Colour.GREEN,
    "绿": Colour.GREEN,
    "绿码": Colour.GREEN,
    "yellow": Colour.YELLOW,
    "黄": Colour.YELLOW,
    "黄码": Colour.YELLOW,
    "red": Colour.RED,
    "红": Colour.RED,
    "红码": Colour.RED,
}
END_WORDS = {"end", "结束"}
_UNTIL = re.compile(r"(?:until|至|到)\s+(\d{4}-\d{2}-\d{2})\s*(.*)", re.IGNORECASE | re.DOTALL)
MAX_DAYS_AHEAD = 366


class InvalidOverride(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_rest(rest: str, today: date) -> tuple[date | None, str]:
    """ "[until 2026-12-31] reason" -> (end date or None, reason); raises InvalidOverride."""
    rest = unicodedata.normalize("NFKC", rest).strip()
    ends_on = None
    if match := _UNTIL.match(rest):
        try:
            ends_on = date.fromisoformat(match[1])
        except ValueError:
            raise InvalidOverride(_("That end date does not exist. Write it as 2026-12-31.")) from None
        if not today < ends_on <= today + timedelta(days=MAX_DAYS_AHEAD):
            raise InvalidOverride(
                _("The end date must be after today and within {days} days.").format(days=MAX_DAYS_AHEAD)
            )
        rest = match[2].strip()
    reason = " ".join(rest.split())
    if len(reason) < 3:
        raise InvalidOverride(_("Please give the reason: the decision it records, e.g. released by the CDC."))
    if len(reason) > service.MAX_REASON_LENGTH:
        raise InvalidOverride(
            _("That is too long: please keep it under {limit} characters.").format(limit=service.MAX_REASON_LENGTH)
        )
    return ends_on, reason


async def process_override(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    admin_ids: Collection[int],
    locale: str,
    clock: Clock,
    zone: tzinfo,
    bot: Bot,
    i18n: I18n,
) -> None:
    if message.from_user is None:
        return
    now = clock()
    actor = message.from_user.id
    if not is_admin(actor, admin_ids):
        # The same answer whatever the arguments: a refusal reveals nothing about anyone.
        await service.refuse(session, actor, now, "override")
        await message.answer(_("Only administrators can do that."))
        return
    parts = (command.args or "").split(maxsplit=2)
    if len(parts) < 2:
        await message.answer(presenter.usage_text())
        return
    target, word = parts[0], parts[1].lower()
    user_id = await find_person(session, bot, target)
    if user_id is None:
        await message.answer(
            _(
                "I do not know {person}: use their Telegram id, or the @username of someone who has used this bot."
            ).format(person=escape(target))
        )
        return
    try:
        if word in END_WORDS:
            await _end(message, session, admin_ids, actor, user_id, target, bot, i18n, now, zone)
            return
        colour = COLOUR_WORDS.get(word)
        if colour is None:
            await message.answer(presenter.usage_text())
            return
        ends_on, reason = parse_rest(parts[2] if len(parts) > 2 else "", local_day(now, zone))
        done = await service.set_override(session, admin_ids, actor, user_id, colour, reason, ends_on, now, zone)
    except InvalidOverride as invalid:
        await message.answer(f"⚠️ {escape(invalid.message)}\n\n{presenter.usage_text()}")
        return
    except service.NoSuchPerson:
        await message.answer(_("Nobody with that id has registered: there is no code to override."))
        return
    await message.answer(presenter.confirmation_text(target, str(colour), reason, ends_on, locale))
    with i18n.context(), i18n.use_locale(done.language):
        text = presenter.holder_text(str(colour), reason, ends_on, done.language)
    await notices.tell(session, user_id, "override", text, now)


async def _end(
    message: Message,
    session: AsyncSession,
    admin_ids: Collection[int],
    actor: int,
    user_id: int,
    target: str,
    bot: Bot,
    i18n: I18n,
    now: datetime,
    zone: tzinfo,
) -> None:
    done = await service.end_override(session, admin_ids, actor, user_id, now, zone)
    if done is None:
        await message.answer(_("{person} has no override in force.").format(person=escape(target)))
        return
    colour = done.reassessed.row.colour
    await message.answer(presenter.ended_text(target, colour))
    with i18n.context(), i18n.use_locale(done.language):
        text = presenter.holder_ended_text(colour)
    await notices.tell(session, user_id, "override", text, now)


def create_router() -> Router:
    router = Router(name="overrides")
    router.message.register(process_override, Command("override"))
    return router
