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
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import notices
from bot.clock import Clock
from bot.db.repositories.roles import RoleRepository
from bot.filters import Has
from bot.roles import presenter, service, targets
from bot.roles.keyboards import RoleCallback, role_keyboard
from bot.roles.service import GRANTABLE, Action, Outcome, RoleChange, RoleName

logger = logging.getLogger(__name__)
# What /grant and /revoke and their buttons change: the service's use case for each.
USE_CASES = {Action.GRANT: service.grant_role, Action.REVOKE: service.revoke_role}


class IsAdmin(Filter):
    """The sender is in ADMIN_IDS. Only used to let others' messages fall through; handlers check again."""

    async def __call__(
        self, event: TelegramObject, event_from_user: User | None = None, admin_ids: Collection[int] = frozenset()
    ) -> bool:
        return event_from_user is not None and service.is_admin(event_from_user.id, admin_ids)


# --- /grant and /revoke -----------------------------------------------------------------------------


async def process_grant(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    await _command(message, command, Action.GRANT, session, admin_ids, clock, bot, i18n)


async def process_revoke(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    await _command(message, command, Action.REVOKE, session, admin_ids, clock, bot, i18n)


async def _command(
    message: Message,
    command: CommandObject,
    action: Action,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    if message.from_user is None:
        return
    actor = message.from_user.id
    # First, before the arguments are even read: a refusal says the same whatever was asked.
    if not service.is_admin(actor, admin_ids):
        await service.deny(session, actor, action, clock())
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
    lookup = await targets.look_up(session, bot, target)
    if not lookup.well_formed:
        await message.answer(presenter.not_a_person(target) + "\n\n" + presenter.usage(action))
        return
    if lookup.uncertain:
        await message.answer(presenter.uncertain_username(lookup.username or target))
        return
    if lookup.user_id is None:
        await message.answer(presenter.unknown_username(lookup.username or target))
        return
    change = await _change(session, action, actor, admin_ids, lookup.user_id, RoleName(role_word), clock)
    await _report(message.chat.id, change, session, bot, i18n, clock)


async def _change(
    session: AsyncSession,
    action: Action,
    actor: int,
    admin_ids: Collection[int],
    user_id: int,
    role: RoleName,
    clock: Clock,
) -> RoleChange:
    return await USE_CASES[action](session, actor, admin_ids, user_id, role, clock())


async def _report(chat_id: int, change: RoleChange, session: AsyncSession, bot: Bot, i18n: I18n, clock: Clock) -> None:
    """The administrator's answer; the person's notice is stored first when something changed."""
    if change.outcome is Outcome.DENIED:
        await bot.send_message(chat_id, presenter.only_admins())
        return
    told = change.outcome is Outcome.DONE and await _tell(session, i18n, change, clock)
    await bot.send_message(chat_id, presenter.change_result(change, change.username, told))


async def _tell(session: AsyncSession, i18n: I18n, change: RoleChange, clock: Clock) -> bool:
    """Tell the person of their new or lost role, in their language (the default before they chose one)."""
    with i18n.context(), i18n.use_locale(change.language or i18n.default_locale):
        text = presenter.notice(change)
    return await notices.tell(session, change.user_id, "role", text, clock())


# --- A forwarded message ----------------------------------------------------------------------------


async def process_forward(message: Message, session: AsyncSession) -> None:
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
    held = await service.roles_of(session, sender.id)
    username = sender.username or (await RoleRepository(session).usernames([sender.id])).get(sender.id)
    await message.answer(
        presenter.forwarded_person(sender.id, sender.first_name, username), reply_markup=role_keyboard(sender.id, held)
    )


async def process_grant_button(
    callback: CallbackQuery,
    callback_data: RoleCallback,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    await _role_button(callback, callback_data, Action.GRANT, session, admin_ids, clock, bot, i18n)


async def process_revoke_button(
    callback: CallbackQuery,
    callback_data: RoleCallback,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    await _role_button(callback, callback_data, Action.REVOKE, session, admin_ids, clock, bot, i18n)


async def _role_button(
    callback: CallbackQuery,
    callback_data: RoleCallback,
    action: Action,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    actor = callback.from_user.id
    if not service.is_admin(actor, admin_ids):
        await service.deny(session, actor, action, clock())
        await callback.answer(presenter.only_admins(), show_alert=True)
        return
    role = callback_data.role
    if role not in GRANTABLE:  # "admin" is configuration: no button of ours carries it
        await callback.answer(_("That button belongs to an earlier message."))
        return
    await callback.answer()
    change = await _change(session, action, actor, admin_ids, callback_data.user, role, clock)
    chat_id = callback.message.chat.id if callback.message is not None else actor
    if change.outcome is not Outcome.DENIED and isinstance(callback.message, Message):
        # The buttons follow the change: "Make HR" becomes "Remove HR".
        held = await service.roles_of(session, callback_data.user)
        with suppress(TelegramBadRequest):
            await callback.message.edit_reply_markup(reply_markup=role_keyboard(callback_data.user, held))
    await _report(chat_id, change, session, bot, i18n, clock)


# --- /roles -----------------------------------------------------------------------------------------


async def process_roles(
    message: Message, session: AsyncSession, admin_ids: Collection[int], clock: Clock, locale: str, zone: tzinfo
) -> None:
    if message.from_user is None:
        return
    listing = await service.list_roles(session, message.from_user.id, admin_ids, clock())
    if listing is None:
        await message.answer(presenter.only_admins())
        return
    for text in presenter.listing(listing, locale, zone):
        await message.answer(text)


def create_router() -> Router:
    """The roles handlers, in the order their filters are tried."""
    router = Router(name="roles")
    router.message.register(process_grant, Command("grant"))
    router.message.register(process_revoke, Command("revoke"))
    router.message.register(process_roles, Command("roles"))
    # Administrators only: anyone else's forwarded message goes on to the rest of the bot.
    router.message.register(process_forward, Has(F.forward_origin), IsAdmin())
    # One handler per action; any other (or a role button that does not parse) is answered by the fallback.
    router.callback_query.register(process_grant_button, RoleCallback.filter(F.action == Action.GRANT))
    router.callback_query.register(process_revoke_button, RoleCallback.filter(F.action == Action.REVOKE))
    return router
