"""Administrators' /org, /orgs and /stats. Thin: the use cases are in `service`, the words in `presenter`."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import tzinfo

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.types import BufferedInputFile, LinkPreviewOptions, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import notices
from bot.clock import Clock
from bot.codes.service import CodeSettings
from bot.db.repositories.organizations import HR_ROLE
from bot.organizations import chart
from bot.organizations import presenter as common_presenter
from bot.organizations import service as common_service
from bot.organizations.admin import presenter, service
from bot.organizations.admin.service import HrOutcome
from bot.organizations.report import service as report_service
from bot.organizations.service import MAX_NAME_LENGTH, Attempt
from bot.roles import targets
from bot.roles.service import is_admin

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
        await report_service.refuse(session, actor, attempted or Attempt.ORG, clock())
        await message.answer(common_presenter.only_admins())
        return
    if subcommand == "new":
        await _create(message, rest, session, actor, admin_ids, clock, code_settings)
    elif subcommand in ("hr", "unhr"):
        await _change_hr(message, rest, subcommand == "hr", session, actor, admin_ids, clock, locale, bot, i18n)
    elif subcommand in ("reviewer", "unreviewer"):
        grant = subcommand == "reviewer"
        role = common_service.REVIEWER_ROLE
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
        await message.answer(common_presenter.only_admins())
        return
    link = common_service.invite_link(code_settings.bot_username, organization.invite_code)
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
        await message.answer(common_presenter.only_admins())
        return
    if change.outcome is HrOutcome.NO_ORGANIZATION:
        await message.answer(common_presenter.no_such_organization(organization_id))
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
        await message.answer(common_presenter.only_admins())
        return
    await message.answer(presenter.city_stats_text(stats, locale))
    # The past days are stored totals (13 rows) and today's come from the counts above: drawing is the cost,
    # off the event loop.
    png = await asyncio.to_thread(
        chart.draw, stats.days, stats.counts.people, presenter.city_chart_labels(stats, locale)
    )
    await message.answer_photo(BufferedInputFile(png, filename="stats.png"))


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
        await message.answer(common_presenter.only_admins())
        return
    links = {
        organization.id: common_service.invite_link(code_settings.bot_username, organization.invite_code)
        for organization in organizations
    }
    for text in presenter.organizations_listing(organizations, links):
        await message.answer(text, link_preview_options=LinkPreviewOptions(is_disabled=True))
