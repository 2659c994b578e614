"""The buttons of /family. A member's id in a button is checked on the server against the presser's own
family (bot.family.service.member): a forged or someone else's id finds nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import MemberNumber
from bot.family import presenter
from bot.family.service import Member, Relation


class AddMember(CallbackData, prefix="famadd"):
    """Start adding a member: the relationship is asked first."""


class MemberRelation(CallbackData, prefix="famrel"):
    """The relationship chosen: the form about the member starts (bot/registration)."""

    relation: Relation


class MemberCode(CallbackData, prefix="famcode"):
    """Show this member's code (bot/codes)."""

    member: MemberNumber


class AllCodes(CallbackData, prefix="famall"):
    """The account's code and every member's as one album (bot/codes); carries no id: the presser's own."""


class MemberStatus(CallbackData, prefix="famstat"):
    """Show this member's /status (bot/status)."""

    member: MemberNumber


class MemberHistory(CallbackData, prefix="famhist"):
    """Show this member's /history (bot/history)."""

    member: MemberNumber


def _member_keyboard(
    members: Sequence[Member], label: Callable[[Member], str], data: Callable[[int], CallbackData]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for member in members:
        builder.button(text=label(member), callback_data=data(member.id))
    builder.adjust(1)
    return builder.as_markup()


def status_keyboard(members: Sequence[Member]) -> InlineKeyboardMarkup:
    return _member_keyboard(members, presenter.status_label, lambda member: MemberStatus(member=member))


def history_keyboard(members: Sequence[Member]) -> InlineKeyboardMarkup:
    return _member_keyboard(members, presenter.history_label, lambda member: MemberHistory(member=member))


def family_keyboard(members: Sequence[Member], can_add: bool, all_codes: bool = False) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if all_codes and members:
        builder.button(text="🗂 " + presenter.all_codes_label(), callback_data=AllCodes())
    for member in members:
        builder.button(text=presenter.show_code_label(member), callback_data=MemberCode(member=member.id))
    if can_add:
        builder.button(text="➕ " + presenter.add_label(), callback_data=AddMember())
    builder.adjust(1)
    return builder.as_markup()


def relation_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for relation in Relation:
        builder.button(text=presenter.relation_label(relation), callback_data=MemberRelation(relation=relation))
    builder.adjust(2)
    return builder.as_markup()
