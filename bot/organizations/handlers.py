"""Organizations: administrators' /org and /orgs, invite links, and the HR view (/report, its lists, CSV and Excel
files, /remind, /schedule). Thin: who may do what is decided in `service`, for every command and every
button press; the words are in `presenter`.

Included before verification and onboarding: an invite opens the bot with /start join-<code>, and only
that payload is taken here; other /start payloads (a scanned code) go on to verification.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Collection
from contextlib import suppress
from datetime import datetime, tzinfo
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, LinkPreviewOptions, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import Account, Accounts
from bot.broadcast import notices
from bot.broadcast import presenter as broadcast_presenter
from bot.broadcast import presenter as broadcast_words
from bot.broadcast import service as broadcast
from bot.broadcast.service import Audience
from bot.clock import Clock
from bot.codes.service import CodeSettings
from bot.db.repositories.organizations import HR_ROLE
from bot.domain.times import parse_time_of_day
from bot.filters import Has
from bot.fsm import save_state
from bot.i18n import SUPPORTED_LOCALES
from bot.messages import drop_buttons
from bot.onboarding.texts import privacy_notice
from bot.organizations import chart, export, presenter, service
from bot.organizations.chart import ChartCache
from bot.organizations.keyboards import (
    InviteAgree,
    InviteLanguage,
    JoinChoice,
    MemberCsv,
    MemberList,
    MemberXlsx,
    OrgChoice,
    RemindStep,
    audience_keyboard,
    invite_agree_keyboard,
    invite_language_keyboard,
    join_keyboard,
    organization_choice,
    page_keyboard,
    preview_keyboard,
    report_keyboard,
)
from bot.organizations.service import (
    INVITE_PREFIX,
    MAX_NAME_LENGTH,
    MAX_REMINDER_LENGTH,
    Attempt,
    HrOutcome,
    JoinOutcome,
    ListKind,
    OrganizationSummary,
    SendOutcome,
)
from bot.registration.form import Form, start_form
from bot.roles import targets
from bot.roles.service import is_admin

logger = logging.getLogger(__name__)

# The conversation data of a reminder being prepared: {"id", "org", "audience", "text", "back"}.
DRAFT = "remind"


class RemindFlow(StatesGroup):
    text = State()


# --- Administrators: /org and /orgs -----------------------------------------------------------------


async def process_org(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    locale: str,
    bot: Bot,
    i18n: I18n,
    code_settings: CodeSettings,
) -> None:
    if message.from_user is None:
        return
    actor = message.from_user.id
    words = (command.args or "").split(maxsplit=1)
    subcommand = words[0].lower() if words else ""
    rest = words[1] if len(words) > 1 else ""
    attempted = {
        "new": Attempt.CREATE,
        "hr": Attempt.GRANT_HR,
        "unhr": Attempt.REVOKE_HR,
        "reviewer": Attempt.GRANT_REVIEWER,
        "unreviewer": Attempt.REVOKE_REVIEWER,
    }.get(subcommand)
    # First, before the arguments are even read: a refusal says the same whatever was asked.
    if not is_admin(actor, admin_ids):
        await service.refuse(session, actor, attempted or Attempt.ORG, clock())
        await message.answer(presenter.only_admins())
        return
    if subcommand == "new":
        await _create(message, rest, session, actor, admin_ids, clock, code_settings)
    elif subcommand in ("hr", "unhr"):
        await _change_hr(message, rest, subcommand == "hr", session, actor, admin_ids, clock, locale, bot, i18n)
    elif subcommand in ("reviewer", "unreviewer"):
        grant = subcommand == "reviewer"
        role = service.REVIEWER_ROLE
        await _change_hr(message, rest, grant, session, actor, admin_ids, clock, locale, bot, i18n, role)
    elif subcommand in ("list", "ls"):
        await process_orgs(message, session, admin_ids, clock, code_settings)
    else:
        await message.answer(presenter.org_usage())


async def _create(
    message: Message,
    args: str,
    session: AsyncSession,
    actor: int,
    admin_ids: Collection[int],
    clock: Clock,
    code_settings: CodeSettings,
) -> None:
    name_en, bar, name_zh = args.partition("|")
    name_en, name_zh = " ".join(name_en.split()), " ".join(name_zh.split())
    if not bar or not name_en or not name_zh:
        await message.answer(presenter.names_needed())
        return
    if max(len(name_en), len(name_zh)) > MAX_NAME_LENGTH:
        await message.answer(presenter.name_too_long(MAX_NAME_LENGTH))
        return
    organization = await service.create_organization(session, actor, admin_ids, name_en, name_zh, clock())
    if organization is None:
        await message.answer(presenter.only_admins())
        return
    link = service.invite_link(code_settings.bot_username, organization.invite_code)
    await message.answer(presenter.created(organization, link))


async def _change_hr(
    message: Message,
    args: str,
    grant: bool,
    session: AsyncSession,
    actor: int,
    admin_ids: Collection[int],
    clock: Clock,
    locale: str,
    bot: Bot,
    i18n: I18n,
    role: str = HR_ROLE,
) -> None:
    words = args.split()
    # An organization's number fits a BIGINT: a longer one is a typo, not a database error.
    if len(words) != 2 or not words[0].isdigit() or int(words[0]) >= 2**63:
        await message.answer(presenter.org_usage())
        return
    lookup = await targets.look_up(session, bot, words[1])
    if not lookup.well_formed:
        await message.answer(presenter.org_usage())
        return
    if lookup.uncertain:
        await message.answer(presenter.uncertain_username(lookup.username or words[1]))
        return
    if lookup.user_id is None:
        await message.answer(presenter.unknown_username(lookup.username or words[1]))
        return
    organization_id = int(words[0])
    change = await service.change_hr(session, actor, admin_ids, organization_id, lookup.user_id, grant, clock(), role)
    if change.outcome is HrOutcome.DENIED:
        await message.answer(presenter.only_admins())
        return
    if change.outcome is HrOutcome.NO_ORGANIZATION:
        await message.answer(presenter.no_such_organization(organization_id))
        return
    told = change.outcome is HrOutcome.DONE and await _tell(session, i18n, change, clock)
    await message.answer(presenter.hr_result(change, told, locale))


async def _tell(session: AsyncSession, i18n: I18n, change: service.HrChange, clock: Clock) -> bool:
    """Tell the person of their new or lost HR role, in their language (the default before they chose one)."""
    locale = change.language or i18n.default_locale
    with i18n.context(), i18n.use_locale(locale):
        text = presenter.hr_notice(change, locale)
    return await notices.tell(session, change.user_id, change.role, text, clock())


async def process_stats(
    message: Message, session: AsyncSession, admin_ids: Collection[int], clock: Clock, zone: tzinfo, locale: str
) -> None:
    if message.from_user is None:
        return
    stats = await service.city_stats(session, message.from_user.id, admin_ids, clock(), zone)
    if stats is None:
        await message.answer(presenter.only_admins())
        return
    await message.answer(presenter.city_stats_text(stats, locale))


async def process_orgs(
    message: Message,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    code_settings: CodeSettings,
) -> None:
    if message.from_user is None:
        return
    organizations = await service.list_organizations(session, message.from_user.id, admin_ids, clock())
    if organizations is None:
        await message.answer(presenter.only_admins())
        return
    links = {
        organization.id: service.invite_link(code_settings.bot_username, organization.invite_code)
        for organization in organizations
    }
    for text in presenter.organizations_listing(organizations, links):
        await message.answer(text, link_preview_options=LinkPreviewOptions(is_disabled=True))


# --- Invites -----------------------------------------------------------------------------------------


async def process_invite(
    message: Message, command: CommandObject, session: AsyncSession, account: Account | None, locale: str
) -> None:
    invite_code = (command.args or "").removeprefix(INVITE_PREFIX)
    if account is not None:
        await _offer_join(message, session, account.id, invite_code, locale)
        return
    # Nothing is stored for someone who has not agreed to the privacy notice: the invite travels in
    # the buttons of the language choice and of the notice, and is used when they agree.
    invitation = await service.invitation(session, None, invite_code)
    if invitation.organization is None:
        await message.answer(presenter.unknown_invite())
        return
    await message.answer(
        presenter.welcome_invited(invitation.organization, locale),
        reply_markup=invite_language_keyboard(invitation.organization.invite_code),
    )


async def _offer_join(message: Message, session: AsyncSession, user_id: int, invite_code: str, locale: str) -> None:
    """For someone with an account: "Join X?", with buttons."""
    invitation = await service.invitation(session, user_id, invite_code)
    if invitation.organization is None:
        await message.answer(presenter.unknown_invite())
    elif invitation.already_member:
        await message.answer(presenter.already_member(invitation.organization, locale))
    else:
        await message.answer(
            presenter.join_question(invitation, locale), reply_markup=join_keyboard(invitation.organization.invite_code)
        )


async def process_join_choice(
    callback: CallbackQuery,
    callback_data: JoinChoice,
    session: AsyncSession,
    account: Account | None,
    locale: str,
) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    await drop_buttons(message)
    if not callback_data.yes:
        await message.answer(presenter.join_cancelled())
        return
    if account is None:  # they deleted their data since
        await message.answer(presenter.join_result(service.Joined(JoinOutcome.NO_ACCOUNT), locale))
        return
    # The invite code, not an organization's number, is what the button carries: it is checked again here.
    joined = await service.join(session, account.id, callback_data.invite)
    await message.answer(presenter.join_result(joined, locale))


async def process_invite_language(
    callback: CallbackQuery,
    callback_data: InviteLanguage,
    session: AsyncSession,
    account: Account | None,
    i18n: I18n,
    retention_days: int,
) -> None:
    language = callback_data.code
    message = callback.message
    if language not in SUPPORTED_LOCALES or not isinstance(message, Message):
        await callback.answer(presenter.stale_button())
        return
    with i18n.use_locale(language):
        await callback.answer()
        await drop_buttons(message)
        if account is not None:
            # They agreed meanwhile (by /start); their language is theirs to change with /language.
            await _offer_join(message, session, account.id, callback_data.invite, account.language)
            return
        invitation = await service.invitation(session, None, callback_data.invite)
        if invitation.organization is None:
            await message.answer(presenter.unknown_invite())
            return
        text = (
            privacy_notice(retention_days) + "\n\n" + presenter.privacy_invite_note(invitation.organization, language)
        )
        await message.answer(text, reply_markup=invite_agree_keyboard(language, callback_data.invite))


async def process_invite_agree(
    callback: CallbackQuery,
    callback_data: InviteAgree,
    state: FSMContext,
    session: AsyncSession,
    account: Account | None,
    accounts: Accounts,
    locale: str,
    i18n: I18n,
    clock: Clock,
    zone: tzinfo,
) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    await drop_buttons(message)
    if account is not None:
        await _offer_join(message, session, account.id, callback_data.invite, locale)
        return
    language = callback_data.language if callback_data.language in SUPPORTED_LOCALES else locale
    # As onboarding does on its "I agree": the account, then (here) the organization, then the questions.
    await accounts.accept_privacy(session, callback.from_user.id, language, clock(), callback.from_user.username)
    joined = await service.join(session, callback.from_user.id, callback_data.invite)
    with i18n.use_locale(language):
        await message.answer(presenter.join_result(joined, language))
        await message.answer(presenter.questions_follow())
        await start_form(Form(message, state, language, clock, zone))


# --- The HR view: choosing an organization -------------------------------------------------------------


async def _choose(
    message: Message,
    action: str,
    attempted: Attempt,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    locale: str,
    value: str = "",
) -> OrganizationSummary | None:
    """The one organization the sender may act on; with several, the buttons to choose (and None)."""
    assert message.from_user is not None
    actor = message.from_user.id
    organizations = await service.organizations_for(session, actor, admin_ids)
    if not organizations:
        if is_admin(actor, admin_ids):
            await message.answer(presenter.no_organizations())
        else:
            await service.refuse(session, actor, attempted, clock())
            await message.answer(presenter.only_hr())
        return None
    if len(organizations) == 1:
        return organizations[0]
    await message.answer(
        presenter.choose_organization(), reply_markup=organization_choice(action, organizations, locale, value)
    )
    return None


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
        await callback.answer(presenter.stale_button())
        return
    actor = callback.from_user.id
    attempted = {"report": Attempt.REPORT, "remind": Attempt.REMIND, "schedule": Attempt.SCHEDULE}.get(
        callback_data.action
    )
    if attempted is None:
        await callback.answer(presenter.stale_button())
        return
    # Checked here, so a refused press is answered on the button like every other; each use case checks again.
    if await service.check_organization(session, actor, admin_ids, callback_data.org, attempted, clock()) is None:
        await callback.answer(_refusal(actor, admin_ids, callback_data.org), show_alert=True)
        return
    await callback.answer()
    if attempted is Attempt.REPORT:
        await _report(message, actor, callback_data.org, session, admin_ids, clock, zone, locale, report_charts)
    elif attempted is Attempt.REMIND:
        await _start_reminder(message, actor, callback_data.org, state, session, admin_ids, clock, locale)
    else:
        await _schedule(message, actor, callback_data.org, callback_data.value, session, admin_ids, clock, zone, locale)


# --- /report, its lists and its CSV file ---------------------------------------------------------------


async def process_report(
    message: Message,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
    report_charts: ChartCache | None = None,
) -> None:
    if message.from_user is None:
        return
    organization = await _choose(message, "report", Attempt.REPORT, session, admin_ids, clock, locale)
    if organization is not None:
        await _report(
            message, message.from_user.id, organization.id, session, admin_ids, clock, zone, locale, report_charts
        )


async def _report(
    message: Message,
    actor: int,
    organization_id: int,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
    charts: ChartCache | None = None,
) -> None:
    now = clock()
    report = await service.report(session, actor, admin_ids, organization_id, now, zone)
    if report is None:
        await message.answer(_refusal(actor, admin_ids, organization_id))
        return
    await message.answer(presenter.report_text(report, locale), reply_markup=report_keyboard(report))
    # Allowed: service.report has just checked (and report_history checks again when it draws).
    key = (organization_id, locale, report.day)
    png = charts.get(key) if charts is not None else None
    if png is None:
        png = await report_chart(session, actor, admin_ids, organization_id, now, zone, locale, charts)
        if png is not None and charts is not None:
            charts.put(key, png)
    if png is not None:
        await message.answer_photo(BufferedInputFile(png, filename="report.png"))


async def report_chart(
    session: AsyncSession,
    actor: int,
    admin_ids: Collection[int],
    organization_id: int,
    now: datetime,
    zone: tzinfo,
    locale: str,
    charts: ChartCache | None = None,
) -> bytes | None:
    """The chart's PNG, drawn in a thread (about 0.1 s of CPU the event loop must not wait); None when refused."""
    past_key = (organization_id, service.local_day(now, zone))
    past = charts.past_days.get(past_key) if charts is not None else None
    history = await service.report_history(session, actor, admin_ids, organization_id, now, zone, past)
    if history is None:
        return None
    if charts is not None and past is None:
        charts.past_days.put(past_key, history.days[:-1])
    return await asyncio.to_thread(chart.draw, history.days, history.members, presenter.chart_labels(history, locale))


def _refusal(actor: int, admin_ids: Collection[int], organization_id: int) -> str:
    # An administrator may see every organization: for them, a refusal can only mean it does not exist.
    return presenter.no_such_organization(organization_id) if is_admin(actor, admin_ids) else presenter.only_hr()


async def process_member_list(
    callback: CallbackQuery,
    callback_data: MemberList,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
    bot: Bot,
) -> None:
    actor = callback.from_user.id
    try:
        kind = ListKind(callback_data.kind)
    except ValueError:
        await callback.answer(presenter.stale_button())
        return
    page = await service.member_page(
        session,
        actor,
        admin_ids,
        callback_data.org,
        kind,
        callback_data.page,
        clock(),
        zone,
        after=callback_data.after or None,
        before=callback_data.before or None,
    )
    if page is None:
        await callback.answer(_refusal(actor, admin_ids, callback_data.org), show_alert=True)
        return
    await callback.answer()
    text = presenter.page_text(page, locale)
    keyboard = page_keyboard(page)
    message = callback.message
    if callback_data.nav and isinstance(message, Message):
        with suppress(TelegramBadRequest):  # "not modified": the same page again
            await message.edit_text(text, reply_markup=keyboard)
        return
    await bot.send_message(actor, text, reply_markup=keyboard)


async def process_member_csv(
    callback: CallbackQuery,
    callback_data: MemberCsv,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
    bot: Bot,
) -> None:
    actor = callback.from_user.id
    # Written as the rows are read and kept on disk beyond a few megabytes: memory stays flat however large.
    row = presenter.csv_rows()
    with export.CsvFile(presenter.csv_headers()) as sheet:
        exported = await service.export_members(
            session, actor, admin_ids, callback_data.org, clock(), zone, lambda batch: sheet.add_rows(map(row, batch))
        )
        if exported is None:
            await callback.answer(_refusal(actor, admin_ids, callback_data.org), show_alert=True)
            return
        await callback.answer()
        document = sheet.input_file(presenter.csv_file_name(exported.organization, exported.day))
        caption = presenter.csv_caption(exported.organization, exported.day, locale)
        await bot.send_document(actor, document, caption=caption)


async def process_member_xlsx(
    callback: CallbackQuery,
    callback_data: MemberXlsx,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
    bot: Bot,
) -> None:
    """The CSV file's rows as an Excel workbook, under the same permission check."""
    actor = callback.from_user.id
    row = presenter.xlsx_rows()
    answered = False

    async def write(sheet: export.XlsxFile, batch: list[service.Member]) -> None:
        nonlocal answered
        if not answered:
            # Rows come only once the export is allowed. The workbook takes seconds at 60,000 members (about 6 s
            # here), which may outlast Telegram's wait for a button's answer: the button stops spinning now.
            answered = True
            with suppress(TelegramAPIError):
                await callback.answer()
        # Drawing the cells is CPU-bound: done in a thread, a batch at a time, so the bot keeps answering
        # everyone else meanwhile.
        await asyncio.to_thread(sheet.add_rows, map(row, batch))

    with export.XlsxFile(presenter.csv_headers(), presenter.xlsx_sheet_title(), presenter.COLOUR_COLUMN) as sheet:
        exported = await service.export_members(
            session, actor, admin_ids, callback_data.org, clock(), zone, lambda batch: write(sheet, batch)
        )
        if exported is None:
            await callback.answer(_refusal(actor, admin_ids, callback_data.org), show_alert=True)
            return
        await asyncio.to_thread(sheet.finish)
        if not answered:  # an organization without members
            await callback.answer()
        document = sheet.input_file(presenter.xlsx_file_name(exported.organization, exported.day))
        caption = presenter.csv_caption(exported.organization, exported.day, locale)
        await bot.send_document(actor, document, caption=caption)


# --- /remind -----------------------------------------------------------------------------------------


async def process_remind(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    locale: str,
) -> None:
    if message.from_user is None:
        return
    organization = await _choose(message, "remind", Attempt.REMIND, session, admin_ids, clock, locale)
    if organization is not None:
        await _start_reminder(message, message.from_user.id, organization.id, state, session, admin_ids, clock, locale)


async def _start_reminder(
    message: Message,
    actor: int,
    organization_id: int,
    state: FSMContext,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    locale: str,
) -> None:
    organization = await service.check_organization(session, actor, admin_ids, organization_id, Attempt.REMIND, clock())
    if organization is None:
        await message.answer(_refusal(actor, admin_ids, organization_id))
        return
    # A new draft: the buttons of any earlier one stop working.
    draft_id = secrets.token_hex(4)
    await _leave_text_state(state)
    await state.update_data({DRAFT: {"id": draft_id, "org": organization_id, "audience": None, "text": None}})
    await message.answer(
        presenter.choose_audience(organization, locale), reply_markup=audience_keyboard(organization_id, draft_id)
    )


async def _draft(state: FSMContext) -> dict[str, Any] | None:
    draft = (await state.get_data()).get(DRAFT)
    return draft if isinstance(draft, dict) else None


async def _leave_text_state(state: FSMContext) -> None:
    """Back to whatever the conversation was in before "Write my own text" (the form, say)."""
    if await state.get_state() == RemindFlow.text.state:
        draft = await _draft(state) or {}
        await state.set_state(draft.get("back"))


async def _forget_draft(state: FSMContext) -> None:
    await _leave_text_state(state)
    data = await state.get_data()
    if DRAFT in data:
        del data[DRAFT]
        await state.set_data(data)


async def process_remind_step(
    callback: CallbackQuery,
    callback_data: RemindStep,
    state: FSMContext,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
    bot: Bot,
) -> None:
    message = callback.message
    draft = await _draft(state)
    # Only the buttons of the reminder being prepared, by the person preparing it, do anything.
    if (
        not isinstance(message, Message)
        or draft is None
        or draft.get("id") != callback_data.draft
        or draft.get("org") != callback_data.org
    ):
        await callback.answer(presenter.stale_button())
        return
    actor = callback.from_user.id
    if callback_data.step == "cancel":
        await callback.answer()
        await _forget_draft(state)
        await drop_buttons(message)
        await message.answer(presenter.reminder_cancelled())
        return
    try:
        audience = Audience(callback_data.audience)
    except ValueError:
        await callback.answer(presenter.stale_button())
        return
    if callback_data.step == "who":
        await callback.answer()
        await drop_buttons(message)
        # Every preview is a new version of the draft: the buttons of an earlier one stop working.
        draft = {**draft, "audience": audience.value, "id": secrets.token_hex(4)}
        await state.update_data({DRAFT: draft})
        await _preview(message, actor, draft, session, admin_ids, clock, zone, locale)
    elif callback_data.step == "own" and draft.get("audience") == audience.value:
        await callback.answer()
        await drop_buttons(message)
        current = await state.get_state()
        back = draft.get("back") if current == RemindFlow.text.state else current
        await save_state(state, RemindFlow.text, {DRAFT: {**draft, "back": back}})
        await message.answer(presenter.write_own_prompt())
    elif callback_data.step == "send" and draft.get("audience") == audience.value:
        await _send(callback, message, actor, draft, audience, state, session, admin_ids, clock, zone, bot)
    else:
        await callback.answer(presenter.stale_button())


async def _preview(
    message: Message,
    actor: int,
    draft: dict[str, Any],
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
) -> None:
    """What each person will get, in English and Chinese, with how many people that is now."""
    organization_id, audience, text = int(draft["org"]), Audience(draft["audience"]), draft.get("text")
    shown = await service.draft_reminder(session, actor, admin_ids, organization_id, audience, clock(), zone)
    if shown is None:
        await message.answer(_refusal(actor, admin_ids, organization_id))
        return
    english, chinese = broadcast_words.preview(text, "en"), broadcast_words.preview(text, "zh")
    await message.answer(
        presenter.reminder_preview(shown.organization, locale, audience, shown.count, english, chinese),
        reply_markup=preview_keyboard(organization_id, draft["id"], audience),
    )


async def _send(
    callback: CallbackQuery,
    message: Message,
    actor: int,
    draft: dict[str, Any],
    audience: Audience,
    state: FSMContext,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    bot: Bot,
) -> None:
    organization_id = int(draft["org"])
    # The draft goes first: a second press of "Send this" (or a button of the same preview) finds none.
    await _forget_draft(state)
    await drop_buttons(message)
    now = clock()
    chosen = await service.reminder_recipients(session, actor, admin_ids, organization_id, audience, now, zone)
    if chosen.outcome is SendOutcome.DENIED:
        await callback.answer(_refusal(actor, admin_ids, organization_id), show_alert=True)
        return
    await callback.answer()
    if chosen.outcome is SendOutcome.NOBODY:
        await message.answer(presenter.nobody_to_remind(audience))
        return
    # The job first: once it is stored it is sent, whatever happens to the message that reports on it.
    broadcast_id = await service.send_reminder(
        session,
        organization_id=organization_id,
        actor_id=actor,
        audience=audience,
        text=draft.get("text"),
        now=now,
        zone=zone,
    )
    try:
        progress = await bot.send_message(actor, presenter.sending(chosen.count))
    except TelegramAPIError as error:
        logger.warning(
            "organizations: reminder %s is sending; its progress is not shown: %s", broadcast_id, type(error).__name__
        )
        return
    final = await broadcast.show_progress(session, broadcast_id, progress.chat.id, progress.message_id)
    if final is not None:
        with suppress(TelegramAPIError):
            await progress.edit_text(broadcast_presenter.summary_text(final))


async def process_reminder_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
) -> None:
    draft = await _draft(state)
    if message.from_user is None or draft is None or not draft.get("audience"):
        await _leave_text_state(state)
        return
    text = (message.text or "").strip()
    if not text:
        await message.answer(presenter.text_needed())
        return
    if len(text) > MAX_REMINDER_LENGTH:
        await message.answer(presenter.text_too_long(len(text)))
        return
    # Kept as typed; the broadcast engine escapes it for HTML, for the preview and for every recipient.
    back = draft.get("back")
    draft = {**draft, "text": text, "back": None, "id": secrets.token_hex(4)}
    await save_state(state, back, {DRAFT: draft})
    await _preview(message, message.from_user.id, draft, session, admin_ids, clock, zone, locale)


async def process_reminder_cancel(message: Message, state: FSMContext) -> None:
    await _forget_draft(state)
    await message.answer(presenter.reminder_cancelled())


# --- /schedule -----------------------------------------------------------------------------------------


parse_time = parse_time_of_day


async def process_schedule(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
) -> None:
    if message.from_user is None:
        return
    argument = (command.args or "").strip()
    if argument.lower() in ("off", "关", "关闭"):
        value = "off"
    elif not argument:
        value = ""
    elif (at := parse_time(argument)) is not None:
        value = at.strftime("%H%M")
    else:
        # Refused first, so someone with no organization learns nothing from the error either.
        if not (await service.organizations_for(session, message.from_user.id, admin_ids)):
            await _choose(message, "schedule", Attempt.SCHEDULE, session, admin_ids, clock, locale)
            return
        await message.answer(presenter.not_a_time(argument))
        return
    organization = await _choose(message, "schedule", Attempt.SCHEDULE, session, admin_ids, clock, locale, value)
    if organization is not None:
        await _schedule(message, message.from_user.id, organization.id, value, session, admin_ids, clock, zone, locale)


async def _schedule(
    message: Message,
    actor: int,
    organization_id: int,
    value: str,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
) -> None:
    if not value:
        organization = await service.schedule_of(session, actor, admin_ids, organization_id, clock())
        if organization is None:
            await message.answer(_refusal(actor, admin_ids, organization_id))
            return
        await message.answer(presenter.schedule_text(organization, locale))
        return
    at = None if value == "off" else parse_time(value)
    if value != "off" and at is None:
        await message.answer(presenter.stale_button())
        return
    schedule = await service.set_schedule(session, actor, admin_ids, organization_id, at, clock(), zone)
    if schedule is None:
        await message.answer(_refusal(actor, admin_ids, organization_id))
        return
    await message.answer(presenter.schedule_set(schedule, locale))


# --- The router ----------------------------------------------------------------------------------------


def create_router() -> Router:
    """The organizations handlers, in the order their filters are tried."""
    router = Router(name="organizations")
    # Only /start join-<code>: any other payload (a scanned code) goes on to verification.
    router.message.register(process_invite, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX)))
    router.callback_query.register(process_join_choice, JoinChoice.filter())
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
    router.callback_query.register(process_remind_step, RemindStep.filter())
    router.message.register(process_reminder_cancel, Command("cancel"), StateFilter(RemindFlow.text))
    # The text of "Write my own text"; commands go on to their handlers.
    router.message.register(process_reminder_text, StateFilter(RemindFlow.text), ~Has(F.text.startswith("/")))
    return router
