"""Organizations: administrators' /org and /orgs, invite links, and the HR view (/report, its lists, CSV and
Excel files, /remind, /schedule). Thin: who may do what is decided in each seam's `service`, for every
command and every button press; the words are in its `presenter`.

Included before verification and onboarding: an invite opens the bot with /start join-<code>, and only
that payload is taken here; other /start payloads (a scanned code) go on to verification.

Each seam's handlers are in its folder (admin, invites, report, reminders); here are the router that
includes them and the organization choice, which leads to the report, a reminder or the schedule.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import tzinfo

from aiogram import F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.filters import Has
from bot.organizations import presenter as common_presenter
from bot.organizations.admin.handlers import process_org, process_orgs, process_stats
from bot.organizations.chart import ChartCache
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
from bot.organizations.reminders import service as reminders_service
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
from bot.organizations.report.handlers import (
    process_member_csv,
    process_member_list,
    process_member_xlsx,
    process_report,
    show_report,
)
from bot.organizations.service import INVITE_PREFIX, Attempt


async def process_org_choice(
    callback: CallbackQuery,
    callback_data: OrgChoice,
    state: FSMContext,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
    report_charts: ChartCache | None = None,
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer(common_presenter.stale_button())
        return
    actor = callback.from_user.id
    attempted = {"report": Attempt.REPORT, "remind": Attempt.REMIND, "schedule": Attempt.SCHEDULE}.get(
        callback_data.action
    )
    if attempted is None:
        await callback.answer(common_presenter.stale_button())
        return
    # Checked here, so a refused press is answered on the button like every other; each use case checks again.
    if (
        await reminders_service.check_organization(session, actor, admin_ids, callback_data.org, attempted, clock())
        is None
    ):
        await callback.answer(refusal_text(actor, admin_ids, callback_data.org), show_alert=True)
        return
    await callback.answer()
    if attempted is Attempt.REPORT:
        await show_report(message, actor, callback_data.org, session, admin_ids, clock, zone, locale, report_charts)
    elif attempted is Attempt.REMIND:
        await start_reminder(message, actor, callback_data.org, state, session, admin_ids, clock, locale)
    else:
        await show_schedule(
            message, actor, callback_data.org, callback_data.value, session, admin_ids, clock, zone, locale
        )


# --- The router ----------------------------------------------------------------------------------------


def create_router() -> Router:
    """The organizations handlers, in the order their filters are tried."""
    router = Router(name="organizations")
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
    router.callback_query.register(process_org_choice, OrgChoice.filter())
    router.callback_query.register(process_member_list, MemberList.filter())
    router.callback_query.register(process_member_csv, MemberCsv.filter())
    router.callback_query.register(process_member_xlsx, MemberXlsx.filter())
    router.message.register(process_reminder_cancel, Command("cancel"), StateFilter(RemindFlow.text))
    # The text of "Write my own text"; commands go on to their handlers.
    router.message.register(process_reminder_text, StateFilter(RemindFlow.text), ~Has(F.text.startswith("/")))
    router.include_router(remind_buttons())
    return router
