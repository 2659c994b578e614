"""Organizations: administrators' /org and /orgs, invite links, and the HR view (/report, its lists, CSV and
Excel files, /remind, /schedule). Thin: who may do what is decided in each seam's `service`, for every
command and every button press; the words are in its `presenter`.

Included before verification and onboarding: an invite opens the bot with /start join-<code>, and only
that payload is taken here; other /start payloads (a scanned code) go on to verification.

Each seam's handlers are in its folder (admin, invites, report, reminders); here are the router that
includes them and the organization choice, which leads to the report, a reminder or the schedule.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.filters import Has
from bot.middlewares import Provide
from bot.organizations import presenter as common_presenter
from bot.organizations.admin.handlers import process_org, process_orgs, process_stats
from bot.organizations.admin.service import OrgAdmin
from bot.organizations.choosing import refusal_text
from bot.organizations.invites.handlers import (
    process_invite,
    process_invite_agree,
    process_invite_language,
    process_join_choice,
    process_join_for,
)
from bot.organizations.keyboards import (
    InviteAgree,
    InviteLanguage,
    JoinChoice,
    JoinFor,
    MemberCsv,
    MemberList,
    MemberXlsx,
    OrgChoice,
)
from bot.organizations.reminders.handlers import (
    RemindFlow,
    process_remind,
    process_reminder_cancel,
    process_reminder_text,
    process_schedule,
    remind_buttons,
    show_schedule,
    start_reminder,
)
from bot.organizations.reminders.service import HrReminders
from bot.organizations.report.handlers import (
    process_member_csv,
    process_member_list,
    process_member_xlsx,
    process_report,
    show_report,
)
from bot.organizations.report.service import Reports
from bot.organizations.service import INVITE_PREFIX, Attempt

# --- An organization chosen: one handler for each thing it was chosen for --------------------------------


async def _chosen(callback: CallbackQuery, callback_data: OrgChoice, reports: Reports) -> Message | None:
    """The message the choice was made under, once the presser may act on the organization (answered on the
    button, like every other refusal; each use case checks again); None when the press was answered here."""
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer(common_presenter.stale_button())
        return None
    actor = callback.from_user.id
    if await reports.check_organization(actor, callback_data.org, callback_data.action) is None:
        await callback.answer(refusal_text(actor, reports.admin_ids, callback_data.org), show_alert=True)
        return None
    await callback.answer()
    return message


async def process_report_choice(
    callback: CallbackQuery, callback_data: OrgChoice, reports: Reports, locale: str
) -> None:
    if (message := await _chosen(callback, callback_data, reports)) is not None:
        await show_report(message, callback.from_user.id, callback_data.org, reports, locale)


async def process_remind_choice(
    callback: CallbackQuery, callback_data: OrgChoice, state: FSMContext, hr_reminders: HrReminders, locale: str
) -> None:
    if (message := await _chosen(callback, callback_data, hr_reminders)) is not None:
        await start_reminder(message, callback.from_user.id, callback_data.org, state, hr_reminders, locale)


async def process_schedule_choice(
    callback: CallbackQuery, callback_data: OrgChoice, hr_reminders: HrReminders, locale: str
) -> None:
    if (message := await _chosen(callback, callback_data, hr_reminders)) is not None:
        actor, organization_id = callback.from_user.id, callback_data.org
        await show_schedule(message, actor, organization_id, callback_data.value, hr_reminders, locale)


def _org_admin(data: dict[str, Any]) -> OrgAdmin:
    return OrgAdmin(data["session"], data["admin_ids"], data["clock"], data["zone"], data["code_settings"].bot_username)


def _reports(data: dict[str, Any]) -> Reports:
    return Reports(data["session"], data["admin_ids"], data["clock"], data["zone"], data.get("report_charts"))


def _hr_reminders(data: dict[str, Any]) -> HrReminders:
    return HrReminders(data["session"], data["admin_ids"], data["clock"], data["zone"])


# --- The router ----------------------------------------------------------------------------------------


def create_router() -> Router:
    """The organizations handlers, in the order their filters are tried."""
    router = Router(name="organizations")
    # The seams' handlers ask for their use cases (/remind's buttons, in a sub-router, too).
    provide = Provide(org_admin=_org_admin, reports=_reports, hr_reminders=_hr_reminders)
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    # Only /start join-<code>: any other payload (a scanned code) goes on to verification.
    router.message.register(process_invite, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX)))
    router.callback_query.register(process_join_choice, JoinChoice.filter())
    router.callback_query.register(process_join_for, JoinFor.filter())
    router.callback_query.register(process_invite_language, InviteLanguage.filter())
    router.callback_query.register(process_invite_agree, InviteAgree.filter())
    router.message.register(process_org, Command("org"))
    router.message.register(process_orgs, Command("orgs"))
    router.message.register(process_stats, Command("stats"))
    router.message.register(process_report, Command("report"))
    router.message.register(process_remind, Command("remind"))
    router.message.register(process_schedule, Command("schedule"))
    router.callback_query.register(process_report_choice, OrgChoice.filter(F.action == Attempt.REPORT))
    router.callback_query.register(process_remind_choice, OrgChoice.filter(F.action == Attempt.REMIND))
    router.callback_query.register(process_schedule_choice, OrgChoice.filter(F.action == Attempt.SCHEDULE))
    router.callback_query.register(process_member_list, MemberList.filter())
    router.callback_query.register(process_member_csv, MemberCsv.filter())
    router.callback_query.register(process_member_xlsx, MemberXlsx.filter())
    router.message.register(process_reminder_cancel, Command("cancel"), StateFilter(RemindFlow.text))
    # The text of "Write my own text"; commands go on to their handlers.
    router.message.register(process_reminder_text, StateFilter(RemindFlow.text), ~Has(F.text.startswith("/")))
    router.include_router(remind_buttons())
    return router
