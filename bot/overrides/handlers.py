"""/override: an administrator sets a person's colour, or ends the override. Checked on the server."""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.codes.service import CodeSettings
from bot.domain.answers import Colour
from bot.domain.status import ADMIN_CATEGORIES, OverrideCategory
from bot.messages import drop_buttons
from bot.middlewares import Provide
from bot.overrides import presenter, service
from bot.overrides.keyboards import CANCEL, OverrideChoice, category_keyboard
from bot.overrides.service import OverrideService
from bot.roles.targets import look_up_holder
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
# The conversation data of an override being prepared: {"id", "user", "colour", "ends_on", "note"}.
DRAFT = "override"


class InvalidOverride(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_rest(rest: str, today: date) -> tuple[date | None, str]:
    """ "[until 2026-12-31] [note]" -> (end date or None, note, "" for none); raises InvalidOverride."""
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
    if len(reason) > service.MAX_REASON_LENGTH:
        raise InvalidOverride(
            _("That is too long: please keep it under {limit} characters.").format(limit=service.MAX_REASON_LENGTH)
        )
    return ends_on, reason


async def process_override(
    message: Message,
    command: CommandObject,
    overrides: OverrideService,
    locale: str,
    bot: Bot,
    i18n: I18n,
    state: FSMContext,
) -> None:
    if message.from_user is None:
        return
    now = overrides.clock()
    actor = message.from_user.id
    if not overrides.is_admin(actor):
        # The same answer whatever the arguments: a refusal reveals nothing about anyone.
        await overrides.refuse(actor, now)
        await message.answer(_("Only administrators can do that."))
        return
    parts = (command.args or "").split(maxsplit=2)
    if len(parts) < 2:
        await message.answer(presenter.usage_text())
        return
    target, word = parts[0], parts[1].lower()
    # The Telegram lookup stays here: services import nothing of Telegram.
    lookup = await look_up_holder(overrides.session, bot, target, overrides.keys, int(now.timestamp()))
    user_id = lookup.user_id
    if user_id is None and lookup.code:
        await message.answer(presenter.unknown_code())
        return
    if user_id is None and lookup.member_name is not None:
        await message.answer(presenter.unknown_member(target.partition("/")[0], lookup.member_name))
        return
    if user_id is None:
        await message.answer(
            _(
                "I do not know {person}: use their Telegram id, or the @username of someone who has used this bot."
            ).format(person=escape(target))
        )
        return
    if word in END_WORDS:
        await _end(message, overrides, actor, user_id, i18n, now)
        return
    colour = COLOUR_WORDS.get(word)
    if colour is None:
        await message.answer(presenter.usage_text())
        return
    try:
        ends_on, note = parse_rest(parts[2] if len(parts) > 2 else "", local_day(now, overrides.zone))
    except InvalidOverride as invalid:
        await message.answer(f"⚠️ {escape(invalid.message)}\n\n{presenter.usage_text()}")
        return
    holder = await overrides.find_holder(user_id)
    if holder is None:
        await message.answer(_("Nobody with that id has registered: there is no code to override."))
        return
    # Nothing is decided yet: the category comes by button. A new draft makes the buttons of any earlier
    # one old, and the draft is kept in the conversation store, so a restart loses nothing.
    draft_id = secrets.token_hex(4)
    await state.update_data(
        {
            DRAFT: {
                "id": draft_id,
                "user": user_id,
                "colour": str(colour),
                "ends_on": ends_on.isoformat() if ends_on else None,
                "note": note,
            }
        }
    )
    who = presenter.holder(user_id, holder.name, holder.username, holder.manager)
    await message.answer(
        presenter.choose_category(who, str(colour), note, ends_on, locale), reply_markup=category_keyboard(draft_id)
    )


async def _draft(state: FSMContext) -> dict[str, Any] | None:
    draft = (await state.get_data()).get(DRAFT)
    return draft if isinstance(draft, dict) else None


async def _forget_draft(state: FSMContext) -> None:
    data = await state.get_data()
    if DRAFT in data:
        del data[DRAFT]
        await state.set_data(data)


async def process_choice(
    callback: CallbackQuery,
    callback_data: OverrideChoice,
    state: FSMContext,
    overrides: OverrideService,
    locale: str,
    i18n: I18n,
) -> None:
    now = overrides.clock()
    actor = callback.from_user.id
    if not overrides.is_admin(actor):
        await overrides.refuse(actor, now)
        await callback.answer(_("Only administrators can do that."), show_alert=True)
        return
    draft = await _draft(state)
    if draft is None or draft.get("id") != callback_data.draft:
        await callback.answer(presenter.stale_button())
        return
    message = callback.message
    if callback_data.category == CANCEL:
        await callback.answer()
        await _forget_draft(state)
        if message is not None:
            await drop_buttons(message)
        await _say(callback, presenter.cancelled())
        return
    try:
        category = OverrideCategory(callback_data.category)
        if category not in ADMIN_CATEGORIES:
            raise ValueError("an appeal's grant is not an administrator's choice")
        user_id, colour, ends_on, note = _decision(draft)
    except (ValueError, KeyError, TypeError):
        await callback.answer(presenter.stale_button())
        return
    await callback.answer()
    await _forget_draft(state)
    if message is not None:
        await drop_buttons(message)
    if ends_on is not None and ends_on <= local_day(now, overrides.zone):
        # Pressed a day or more later: the end date chosen then may have passed.
        await _say(callback, _("The end date must be after today and within {days} days.").format(days=MAX_DAYS_AHEAD))
        return
    try:
        done = await overrides.set_override(actor, user_id, colour, note, ends_on, now, category)
    except service.NoSuchPerson:
        await _say(callback, _("Nobody with that id has registered: there is no code to override."))
        return
    who = presenter.holder(user_id, done.name, done.username, done.manager)
    await _say(callback, presenter.confirmation_text(who, str(colour), note, ends_on, locale, category))
    with i18n.context(), i18n.use_locale(done.language):
        text = presenter.holder_text(str(colour), note, ends_on, done.language, category)
    await overrides.tell(user_id, text, now)


def _decision(draft: dict[str, Any]) -> tuple[int, Colour, date | None, str]:
    """The draft's (person, colour, end date, note); raises ValueError, KeyError or TypeError on a bad one."""
    user_id = draft["user"]
    note = draft["note"]
    if not isinstance(user_id, int) or not isinstance(note, str):
        raise TypeError("a malformed override draft")
    ends_on = date.fromisoformat(draft["ends_on"]) if draft["ends_on"] else None
    return user_id, Colour(draft["colour"]), ends_on, note


async def _say(callback: CallbackQuery, text: str) -> None:
    if isinstance(callback.message, Message):
        await callback.message.answer(text)
    elif callback.bot is not None:
        await callback.bot.send_message(callback.from_user.id, text)


async def _end(
    message: Message, overrides: OverrideService, actor: int, user_id: int, i18n: I18n, now: datetime
) -> None:
    try:
        done = await overrides.end_override(actor, user_id, now)
    except service.NoSuchPerson:
        await message.answer(_("Nobody with that id has registered: there is no code to override."))
        return
    if done is None:
        holder = await overrides.find_holder(user_id)
        who = (
            presenter.holder(user_id, holder.name, holder.username, holder.manager)
            if holder
            else presenter.holder(user_id, None, None, None)
        )
        await message.answer(_("{person} has no override in force.").format(person=who))
        return
    colour = done.reassessed.row.colour
    await message.answer(
        presenter.ended_text(presenter.holder(user_id, done.name, done.username, done.manager), colour)
    )
    with i18n.context(), i18n.use_locale(done.language):
        text = presenter.holder_ended_text(colour)
    await overrides.tell(user_id, text, now)


def _overrides(data: dict[str, Any]) -> OverrideService:
    settings: CodeSettings = data["code_settings"]
    return OverrideService(data["session"], data["admin_ids"], data["clock"], data["zone"], settings.keys)


def create_router() -> Router:
    router = Router(name="overrides")
    provide = Provide(overrides=_overrides)
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    router.message.register(process_override, Command("override"))
    router.callback_query.register(process_choice, OverrideChoice.filter())
    return router
