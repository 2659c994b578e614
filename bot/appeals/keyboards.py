"""The buttons of appeals. Every press is checked again on the server: the state of the conversation for the
person, the role for reviewers, and whether the appeal is still open."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from html import unescape

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.appeals import presenter
from bot.appeals.service import GRANT_DAYS
from bot.callbacks import ButtonNumber, MemberNumber
from bot.domain.appeals import Category
from bot.family.service import Member


class AppealStep(StrEnum):
    START = "start"
    NO_PHOTO = "nophoto"
    SUBMIT = "submit"
    CANCEL = "cancel"
    WITHDRAW = "withdraw"


class AppealCallback(CallbackData, prefix="apl"):
    """The person's own appeal; no user id: the handler always reads the sender's account."""

    step: AppealStep


class MemberAppealAction(StrEnum):
    START = "start"
    WITHDRAW = "withdraw"


class MemberAppeal(CallbackData, prefix="aplm"):
    """A family member's appeal, made by the account managing them (issue 16). The member id is looked up
    among the presser's own members on every press: anyone else's finds nothing (a stale button)."""

    action: MemberAppealAction
    member: MemberNumber


class AppealReasonCallback(CallbackData, prefix="aplr"):
    """The n-th reason of those the question listed (kept in the conversation, checked again on submit)."""

    index: ButtonNumber


class ReviewAction(StrEnum):
    UPHOLD = "uphold"
    CATEGORY = "category"
    GRANT = "grant"
    DAYS = "days"
    NEXT = "next"


class ReviewCallback(CallbackData, prefix="rev"):
    """A reviewer's step on appeal `appeal`; `value` is a category's place in the list or a number of days."""

    action: ReviewAction
    appeal: ButtonNumber
    value: ButtonNumber = 0


CATEGORY_ORDER = tuple(Category)


def this_is_wrong_keyboard(member: int | None = None) -> InlineKeyboardMarkup:
    """Under a yellow or red status: one's own appeal, or (`member`) a family member's."""
    builder = InlineKeyboardBuilder()
    if member is None:
        builder.button(text=_("This is wrong"), callback_data=AppealCallback(step=AppealStep.START))
    else:
        start = MemberAppeal(action=MemberAppealAction.START, member=member)
        builder.button(text=_("This is wrong"), callback_data=start)
    return builder.as_markup()


def reasons_keyboard(reasons: Sequence[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, reason in enumerate(reasons):
        builder.button(text=_plain(presenter.reason_label(reason)), callback_data=AppealReasonCallback(index=index))
    builder.button(text=_("Cancel"), callback_data=AppealCallback(step=AppealStep.CANCEL))
    builder.adjust(1)
    return builder.as_markup()


def photo_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("No photo"), callback_data=AppealCallback(step=AppealStep.NO_PHOTO))
    builder.button(text=_("Cancel"), callback_data=AppealCallback(step=AppealStep.CANCEL))
    return builder.as_markup()


def confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Send the appeal"), callback_data=AppealCallback(step=AppealStep.SUBMIT))
    builder.button(text=_("Cancel"), callback_data=AppealCallback(step=AppealStep.CANCEL))
    builder.adjust(1)
    return builder.as_markup()


def withdraw_keyboard(member: int | None = None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if member is None:
        builder.button(text=_("Withdraw my appeal"), callback_data=AppealCallback(step=AppealStep.WITHDRAW))
    else:
        withdraw = MemberAppeal(action=MemberAppealAction.WITHDRAW, member=member)
        builder.button(text=_("Withdraw the appeal"), callback_data=withdraw)
    return builder.as_markup()


def whose_keyboard(members: Sequence[Member]) -> InlineKeyboardMarkup:
    """/appeal with family members: one's own colour (the "This is wrong" step) or a member's."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("My own colour"), callback_data=AppealCallback(step=AppealStep.START))
    for member in members:
        builder.button(
            text=_plain(presenter.member_label(member.name)),
            callback_data=MemberAppeal(action=MemberAppealAction.START, member=member.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def decision_keyboard(appeal_id: int, has_next: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Uphold (the colour stands)"), callback_data=ReviewCallback(action=ReviewAction.UPHOLD, appeal=appeal_id)
    )
    builder.button(
        text=_("Grant (green now)"), callback_data=ReviewCallback(action=ReviewAction.GRANT, appeal=appeal_id)
    )
    if has_next:
        next_one = ReviewCallback(action=ReviewAction.NEXT, appeal=appeal_id)
        builder.button(text=_("Next appeal") + " ▶", callback_data=next_one)
    builder.adjust(1)
    return builder.as_markup()


def category_keyboard(appeal_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, category in enumerate(CATEGORY_ORDER):
        builder.button(
            text=_plain(presenter.category_label(category)),
            callback_data=ReviewCallback(action=ReviewAction.CATEGORY, appeal=appeal_id, value=index),
        )
    builder.adjust(1)
    return builder.as_markup()


def days_keyboard(appeal_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for days in GRANT_DAYS:
        builder.button(
            text=_("{days} days").format(days=days),
            callback_data=ReviewCallback(action=ReviewAction.DAYS, appeal=appeal_id, value=days),
        )
    builder.adjust(len(GRANT_DAYS))
    return builder.as_markup()


def _plain(label: str) -> str:
    # Button texts are not HTML: undo the escaping the message texts need.
    return unescape(label)[:60]
