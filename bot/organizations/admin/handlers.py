"""Administrators' /org, /orgs and /stats. Thin: the use cases are in `service`, the words in `presenter`."""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.types import BufferedInputFile, LinkPreviewOptions, Message
from aiogram.utils.i18n import I18n

from bot.db.repositories.organizations import HR_ROLE
from bot.organizations import chart
from bot.organizations import presenter as common_presenter
from bot.organizations import service as common_service
from bot.organizations.admin import presenter, service
from bot.organizations.admin.service import HrOutcome, OrgAdmin
from bot.organizations.service import MAX_NAME_LENGTH, Attempt
from bot.roles import targets

# --- Administrators: /org and /orgs -----------------------------------------------------------------

# /org's subcommands that change an organization's people: whether they grant, and which role.
HR_CHANGES = {
    "hr": (True, HR_ROLE),
    "unhr": (False, HR_ROLE),
    "reviewer": (True, common_service.REVIEWER_ROLE),
    "unreviewer": (False, common_service.REVIEWER_ROLE),
}


async def process_org(
    message: Message, command: CommandObject, org_admin: OrgAdmin, locale: str, bot: Bot, i18n: I18n
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
    if not org_admin.is_admin(actor):
        await org_admin.refuse(actor, attempted or Attempt.ORG)
        await message.answer(common_presenter.only_admins())
        return
    if subcommand == "new":
        await _create(message, rest, org_admin, actor)
    elif subcommand in HR_CHANGES:
        hr_change = await _change_hr(message, rest, HR_CHANGES[subcommand], org_admin, bot)
        if hr_change is not None:
            told = hr_change.outcome is HrOutcome.DONE and await _tell(org_admin, i18n, hr_change)
            await message.answer(presenter.hr_result(hr_change, told, locale))
    elif subcommand in ("list", "ls"):
        await process_orgs(message, org_admin)
    else:
        await message.answer(presenter.org_usage())


async def _create(message: Message, args: str, org_admin: OrgAdmin, actor: int) -> None:
    name_en, bar, name_zh = args.partition("|")
    name_en, name_zh = " ".join(name_en.split()), " ".join(name_zh.split())
    if not bar or not name_en or not name_zh:
        await message.answer(presenter.names_needed())
        return
    if max(len(name_en), len(name_zh)) > MAX_NAME_LENGTH:
        await message.answer(presenter.name_too_long(MAX_NAME_LENGTH))
        return
    organization = await org_admin.create_organization(actor, name_en, name_zh)
    if organization is None:
        await message.answer(common_presenter.only_admins())
        return
    await message.answer(presenter.created(organization, org_admin.invite_link(organization)))


async def _change_hr(
    message: Message, args: str, change: tuple[bool, str], org_admin: OrgAdmin, bot: Bot
) -> service.HrChange | None:
    """/org hr|unhr|reviewer|unreviewer <organization> <person>: the change made or found already made; None
    when it was answered here (a usage error, a person not found, a refusal, no such organization)."""
    assert message.from_user is not None
    grant, role = change
    words = args.split()
    # An organization's number fits a BIGINT: a longer one is a typo, not a database error.
    if len(words) != 2 or not words[0].isdigit() or int(words[0]) >= 2**63:
        await message.answer(presenter.org_usage())
        return None
    lookup = await targets.look_up(org_admin.session, bot, words[1])
    if not lookup.well_formed:
        await message.answer(presenter.org_usage())
        return None
    if lookup.uncertain:
        await message.answer(presenter.uncertain_username(lookup.username or words[1]))
        return None
    if lookup.user_id is None:
        await message.answer(presenter.unknown_username(lookup.username or words[1]))
        return None
    organization_id = int(words[0])
    done = await org_admin.change_hr(message.from_user.id, organization_id, lookup.user_id, grant, role)
    if done.outcome is HrOutcome.DENIED:
        await message.answer(common_presenter.only_admins())
        return None
    if done.outcome is HrOutcome.NO_ORGANIZATION:
        await message.answer(common_presenter.no_such_organization(organization_id))
        return None
    return done


async def _tell(org_admin: OrgAdmin, i18n: I18n, change: service.HrChange) -> bool:
    """Tell the person of their new or lost HR role, in their language (the default before they chose one)."""
    locale = change.language or i18n.default_locale
    with i18n.context(), i18n.use_locale(locale):
        text = presenter.hr_notice(change, locale)
    return await org_admin.tell(change, text)


async def process_stats(message: Message, org_admin: OrgAdmin, locale: str) -> None:
    if message.from_user is None:
        return
    stats = await org_admin.city_stats(message.from_user.id)
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


async def process_orgs(message: Message, org_admin: OrgAdmin) -> None:
    if message.from_user is None:
        return
    organizations = await org_admin.list_organizations(message.from_user.id)
    if organizations is None:
        await message.answer(common_presenter.only_admins())
        return
    links = {organization.id: org_admin.invite_link(organization) for organization in organizations}
    for text in presenter.organizations_listing(organizations, links):
        await message.answer(text, link_preview_options=LinkPreviewOptions(is_disabled=True))
