"""The HR view's first step, shared by /report, /remind and /schedule: which organization the sender may act
on, and how a refusal reads (an administrator may see every organization).
"""

from __future__ import annotations

from collections.abc import Collection

from aiogram.types import Message

from bot.organizations import presenter as common_presenter
from bot.organizations.keyboards import organization_choice
from bot.organizations.report.service import Reports
from bot.organizations.service import Attempt, OrganizationSummary
from bot.roles.service import is_admin

# --- The HR view: choosing an organization -------------------------------------------------------------


async def choose_one(
    message: Message, attempted: Attempt, reports: Reports, locale: str, value: str = ""
) -> OrganizationSummary | None:
    """The one organization the sender may act on for `attempted` (report, remind or schedule); with several,
    the buttons to choose (and None)."""
    assert message.from_user is not None
    actor = message.from_user.id
    organizations = await reports.organizations_for(actor)
    if not organizations:
        if reports.is_admin(actor):
            await message.answer(common_presenter.no_organizations())
        else:
            await reports.refuse(actor, attempted)
            await message.answer(common_presenter.only_hr())
        return None
    if len(organizations) == 1:
        return organizations[0]
    await message.answer(
        common_presenter.choose_organization(),
        reply_markup=organization_choice(attempted, organizations, locale, value),
    )
    return None


def refusal_text(actor: int, admin_ids: Collection[int], organization_id: int) -> str:
    # An administrator may see every organization: for them, a refusal can only mean it does not exist.
    return (
        common_presenter.no_such_organization(organization_id)
        if is_admin(actor, admin_ids)
        else common_presenter.only_hr()
    )
