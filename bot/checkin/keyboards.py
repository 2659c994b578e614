from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MemberNumber
from bot.menu import CHECK_IN


class CheckInAnswer(StrEnum):
    START = "start"
    SAME = "same"
    CHANGED = "changed"
    CANCEL = "cancel"
    # Under the family members' buttons: the account and each member in turn (issue 16).
    EVERYONE = "everyone"


class CheckInCallback(CallbackData, prefix="chk"):
    answer: CheckInAnswer


class CheckInFor(CallbackData, prefix="chkfor"):
    """Check in for this family member; looked up among the presser's own members only."""

    member: MemberNumber


def members_keyboard(members: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    everyone = CheckInCallback(answer=CheckInAnswer.EVERYONE).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="👨‍👩‍👧 " + _("Check in everyone"), callback_data=everyone)],
            *(
                [
                    InlineKeyboardButton(
                        text=_("Check in for {name}").format(name=name or "…"),
                        callback_data=CheckInFor(member=member_id).pack(),
                    )
                ]
                for member_id, name in members
            ),
        ]
    )


def changed_keyboard() -> InlineKeyboardMarkup:
    def button(text: str, answer: CheckInAnswer) -> list[InlineKeyboardButton]:
        return [InlineKeyboardButton(text=text, callback_data=CheckInCallback(answer=answer).pack())]

    return InlineKeyboardMarkup(
        inline_keyboard=[
            button(_("Nothing changed: same as yesterday"), CheckInAnswer.SAME),
            button(_("Something changed"), CheckInAnswer.CHANGED),
            button(_("Cancel"), CheckInAnswer.CANCEL),
        ]
    )


def start_keyboard() -> InlineKeyboardMarkup:
    """Under a reminder: the check-in one tap away, whatever words HR wrote above it."""
    start = CheckInCallback(answer=CheckInAnswer.START).pack()
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=f"✅ {CHECK_IN}", callback_data=start)]])
