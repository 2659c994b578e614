"""Administrators grant and revoke roles (/grant, /revoke, or by forwarding one of the person's messages)
and list them (/roles). Thin: the checks and the audit are in `service`, the words in `presenter`.

Every handler asks the service whether the sender is an administrator, on every command and button
press. The forward handler alone is registered only for administrators, so anyone else's forwarded
message falls through to the rest of the bot as before.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from contextlib import suppress
from datetime import tzinfo
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import (
    CallbackQuery,
    Message,
    MessageOriginHiddenUser,
    MessageOriginUser,
    TelegramObject,
    User,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.filters import Has
from bot.middlewares import Provide
from bot.roles import presenter, service, targets
from bot.roles.keyboards import RoleCallback, role_keyboard
from bot.roles.service import CHANGES, GRANTABLE, Action, Outcome, RoleChange, RoleName, RoleService

logger = logging.getLogger(__name__)


class IsAdmin(Filter):
    """The sender is in ADMIN_IDS. Only used to let others' messages fall through; handlers check again."""

    async def __call__(
        self, event: TelegramObject, event_from_user: User | None = None, admin_ids: Collection[int] = frozenset()
    ) -> bool:
        return event_from_user is not None and service.is_admin(event_from_user.id, admin_ids)


# --- /grant and /revoke -----------------------------------------------------------------------------


async def process_change(message: Message, command: CommandObject, roles: RoleService, bot: Bot, i18n: I18n) -> None:
    """/grant and /revoke: the command's name is the action (the router takes only those two)."""
    if message.from_user is None:
        return
    action = Action(command.command)
    actor = message.from_user.id
    # First, before the arguments are even read: a refusal says the same whatever was asked.
    if not roles.is_admin(actor):
        await roles.deny(actor, action)
        await message.answer(presenter.only_admins())
        return
    words = (command.args or "").split()
    if len(words) != 2:
        await message.answer(presenter.usage(action))
        return
    known = {role.value for role in RoleName}
    if words[0].lower() not in known and words[1].lower() in known:
        words.reverse()  # "/grant @name staff" means the same
    role_word, target = words[0].lower(), words[1]
    if role_word == RoleName.ADMIN:
        await message.answer(presenter.admin_is_configuration())
        return
    if role_word not in {role.value for role in GRANTABLE}:
        await message.answer(presenter.unknown_role(words[0]))
        return
    lookup = await targets.look_up(roles.session, bot, target)
    if not lookup.well_formed:
        await message.answer(presenter.not_a_person(target) + "\n\n" + presenter.usage(action))
        return
    if lookup.uncertain:
        await message.answer(presenter.uncertain_username(lookup.username or target))
        return
    if lookup.user_id is None:
        await message.answer(presenter.unknown_username(lookup.username or target))
        return
    change = await roles.change(action, actor, lookup.user_id, RoleName(role_word))
    await _report(message.chat.id, change, roles, bot, i18n)


async def _report(chat_id: int, change: RoleChange, roles: RoleService, bot: Bot, i18n: I18n) -> None:
    """The administrator's answer; the person's notice is stored first when something changed."""
    if change.outcome is Outcome.DENIED:
        await bot.send_message(chat_id, presenter.only_admins())
        return
    told = change.outcome is Outcome.DONE and await _tell(roles, i18n, change)
    await bot.send_message(chat_id, presenter.change_result(change, change.username, told))


async def _tell(roles: RoleService, i18n: I18n, change: RoleChange) -> bool:
    """Tell the person of their new or lost role, in their language (the default before they chose one)."""
    with i18n.context(), i18n.use_locale(change.language or i18n.default_locale):
        text = presenter.notice(change)
    return await roles.tell(change, text)


# --- A forwarded message ----------------------------------------------------------------------------


async def process_forward(message: Message, roles: RoleService) -> None:
    origin = message.forward_origin
    if isinstance(origin, MessageOriginHiddenUser):
        await message.answer(presenter.hidden_sender(origin.sender_user_name))
        return
    if not isinstance(origin, MessageOriginUser):
        await message.answer(presenter.not_from_a_person())
        return
    sender = origin.sender_user
    if sender.is_bot:
        await message.answer(presenter.from_a_bot())
        return
    held = await roles.roles_of(sender.id)
    username = sender.username or await roles.stored_username(sender.id)
    await message.answer(
        presenter.forwarded_person(sender.id, sender.first_name, username), reply_markup=role_keyboard(sender.id, held)
    )


async def process_change_button(
    callback: CallbackQuery, callback_data: RoleCallback, roles: RoleService, bot: Bot, i18n: I18n
) -> None:
    """A card's "Make ..." or "Remove ..." button: the button's action (one of the two the router lets by)."""
    action = callback_data.action
    actor = callback.from_user.id
    if not roles.is_admin(actor):
        await roles.deny(actor, action)
        await callback.answer(presenter.only_admins(), show_alert=True)
        return
    role = callback_data.role
    if role not in GRANTABLE:  # "admin" is configuration: no button of ours carries it
        await callback.answer(_("That button belongs to an earlier message."))
        return
    await callback.answer()
    change = await roles.change(action, actor, callback_data.user, role)
    chat_id = callback.message.chat.id if callback.message is not None else actor
    if change.outcome is not Outcome.DENIED and isinstance(callback.message, Message):
        # The buttons follow the change: "Make HR" becomes "Remove HR".
        held = await roles.roles_of(callback_data.user)
        with suppress(TelegramBadRequest):
            await callback.message.edit_reply_markup(reply_markup=role_keyboard(callback_data.user, held))
    await _report(chat_id, change, roles, bot, i18n)


# --- /roles -----------------------------------------------------------------------------------------


async def process_roles(message: Message, roles: RoleService, locale: str, zone: tzinfo) -> None:
    if message.from_user is None:
        return
    listing = await roles.list_roles(message.from_user.id)
    if listing is None:
        await message.answer(presenter.only_admins())
        return
    for text in presenter.listing(listing, locale, zone):
        await message.answer(text)


def _roles(data: dict[str, Any]) -> RoleService:
    return RoleService(data["session"], data["admin_ids"], data["clock"])


def create_router() -> Router:
    """The roles handlers, in the order their filters are tried."""
    router = Router(name="roles")
    provide = Provide(roles=_roles)
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    # /grant and /revoke: one path, the command's name is the action.
    router.message.register(process_change, Command(*(action.value for action in CHANGES)))
    router.message.register(process_roles, Command("roles"))
    # Administrators only: anyone else's forwarded message goes on to the rest of the bot.
    router.message.register(process_forward, Has(F.forward_origin), IsAdmin())
    # Grant and revoke only; any other action (or a role button that does not parse) is answered by the fallback.
    router.callback_query.register(process_change_button, RoleCallback.filter(F.action.in_(CHANGES)))
    return router
