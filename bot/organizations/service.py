"""What every use case of organizations shares: the summary of an organization, its invite link, who is
denied what. The use cases are in the folders of their seam: admin, invites, report, reminders.

Who may do what is decided here, on the server, for every command and every button press:
administrators (ADMIN_IDS) manage organizations and may look at any of them; an HR member may look at,
remind and schedule only the organizations they hold the `hr` role for. Anyone else, and an HR member
asking about another organization, is refused the same way, and the attempt is audited as `denied`
(who, what they tried, which organization; nothing about its members).

What HR sees of a member is their name (from their latest declaration), their current colour and the
days they checked in: never their answers, symptoms, places or contacts.

Each use case commits once: a change and its audit entry are one transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Organization
from bot.db.repositories.audit import AuditRepository
from bot.roles.service import RoleName

INVITE_PREFIX = "join-"
MAX_NAME_LENGTH = 200
MAX_REMINDER_LENGTH = 1000
PAGE_SIZE = 20
DENIED = "denied"


REVIEWER_ROLE = RoleName.REVIEWER.value


class Attempt(StrEnum):
    """What someone tried; the audit log's `attempted` when they were refused."""

    ORG = "org"
    CREATE = "org new"
    LIST = "orgs"
    GRANT_HR = "org hr"
    REVOKE_HR = "org unhr"
    GRANT_REVIEWER = "org reviewer"
    REVOKE_REVIEWER = "org unreviewer"
    REPORT = "report"
    LIST_MEMBERS = "members"
    EXPORT = "export"
    REMIND = "remind"
    SCHEDULE = "schedule"
    STATS = "stats"


class ListKind(StrEnum):
    NOT_CHECKED_IN = "unchecked"
    NOT_GREEN = "notgreen"


def new_invite_code() -> str:
    """12 characters of A-Z a-z 0-9 _ -: what a Telegram deep link allows."""
    return secrets.token_urlsafe(9)


def invite_link(bot_username: str, invite_code: str) -> str:
    return f"https://t.me/{bot_username}?start={INVITE_PREFIX}{invite_code}"


def local_day(now: datetime, zone: tzinfo) -> date:
    return now.astimezone(zone).date()


async def audit_denial(
    session: AsyncSession, actor_id: int, attempted: Attempt, now: datetime, organization_id: int | None = None
) -> None:
    details: dict[str, object] = {"attempted": attempted.value}
    if organization_id is not None:
        details["organization_id"] = organization_id
    await AuditRepository(session).add(now, actor_id, DENIED, details=details)
    await session.commit()


@dataclass(frozen=True, slots=True)
class OrganizationSummary:
    id: int
    name_en: str
    name_zh: str
    invite_code: str
    reminder_at: time | None
    members: int = 0
    hr_members: int = 0


def summary_of(organization: Organization, members: int = 0, hr_members: int = 0) -> OrganizationSummary:
    return OrganizationSummary(
        id=organization.id,
        name_en=organization.name_en,
        name_zh=organization.name_zh,
        invite_code=organization.invite_code,
        reminder_at=organization.reminder_at,
        members=members,
        hr_members=hr_members,
    )
