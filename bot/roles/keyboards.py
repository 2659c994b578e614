"""The buttons under a forwarded person's card: one per role, to grant it or to take it away."""

from __future__ import annotations

from collections.abc import Collection

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import ButtonNumber
from bot.roles import presenter
from bot.roles.service import GRANTABLE, Action, RoleName


class RoleCallback(CallbackData, prefix="role"):
    """What a button asks: grant or revoke `role` for Telegram user `user`. Checked again on every press.

    Typed, so the router picks the handler by `action` and a button naming no known action or role does not
    parse: it is answered as a button of an earlier message. The text on the wire is as before ("role:grant:hr:7").
    """

    action: Action
    role: RoleName
    user: ButtonNumber


def role_keyboard(user_id: int, held: Collection[RoleName]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for role in GRANTABLE:
        if role in held:
            builder.button(
                text=presenter.revoke_button(role),
                callback_data=RoleCallback(action=Action.REVOKE, role=role, user=user_id),
            )
        else:
            builder.button(
                text=presenter.grant_button(role),
                callback_data=RoleCallback(action=Action.GRANT, role=role, user=user_id),
            )
    builder.adjust(1)
    return builder.as_markup()
