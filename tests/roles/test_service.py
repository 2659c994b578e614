"""The role use cases against a real database (SQLite and PostgreSQL): checks, changes, audit, one commit each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import AuditEntry, Role, User
from bot.roles import service
from bot.roles.service import Action, Outcome, RoleName

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
ADMIN, OTHER_ADMIN, BOB, EVE = 1, 2, 1002, 1003
ADMINS = frozenset({ADMIN, OTHER_ADMIN})


@pytest.fixture
async def session(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        session.add_all(
            [
                User(id=BOB, public_id=77, language="zh", privacy_accepted_at=NOW, created_at=NOW, username="bob"),
                User(id=ADMIN, public_id=78, language="en", privacy_accepted_at=NOW, created_at=NOW, username="ada"),
            ]
        )
        await session.commit()
        yield session


@pytest.fixture
def commits(session: AsyncSession) -> list[int]:
    """One entry per commit of the session from now on."""
    counted: list[int] = []
    event.listen(session.sync_session, "after_commit", lambda _session: counted.append(1))
    return counted


async def _audit(session: AsyncSession) -> list[tuple[str, int | None, int | None, dict]]:
    rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    return [(row.action, row.actor_id, row.subject_id, row.details) for row in rows]


async def _roles(session: AsyncSession) -> list[tuple[int, str, int]]:
    rows = await session.scalars(select(Role).order_by(Role.id))
    return [(row.user_id, row.role, row.granted_by) for row in rows]


async def test_an_admin_grants_once_and_the_grant_is_audited_in_the_same_commit(
    session: AsyncSession, commits: list[int]
) -> None:
    change = await service.grant_role(session, ADMIN, ADMINS, BOB, RoleName.STAFF, NOW)
    assert change.outcome is Outcome.DONE and change.action is Action.GRANT
    assert (change.language, change.username) == ("zh", "bob"), "the person is told in their language"
    assert len(commits) == 1
    assert await _roles(session) == [(BOB, "staff", ADMIN)]
    assert await _audit(session) == [("grant", ADMIN, BOB, {"role": "staff"})]
    assert await service.may_verify(session, BOB, ADMINS)

    # Again, by another admin: nothing changes and nothing is written.
    again = await service.grant_role(session, OTHER_ADMIN, ADMINS, BOB, RoleName.STAFF, NOW + timedelta(hours=1))
    assert again.outcome is Outcome.UNCHANGED
    assert await _roles(session) == [(BOB, "staff", ADMIN)]
    assert len(await _audit(session)) == 1


async def test_revoke_takes_the_role_away_and_a_second_revoke_changes_nothing(session: AsyncSession) -> None:
    await service.grant_role(session, ADMIN, ADMINS, BOB, RoleName.STAFF, NOW)
    await service.grant_role(session, ADMIN, ADMINS, BOB, RoleName.HR, NOW)
    change = await service.revoke_role(session, OTHER_ADMIN, ADMINS, BOB, RoleName.STAFF, NOW)
    assert change.outcome is Outcome.DONE and change.action is Action.REVOKE
    assert await _roles(session) == [(BOB, "hr", ADMIN)], "only that role"
    assert not await service.may_verify(session, BOB, ADMINS)
    assert await service.roles_of(session, BOB) == {RoleName.HR}
    again = await service.revoke_role(session, ADMIN, ADMINS, BOB, RoleName.STAFF, NOW)
    assert again.outcome is Outcome.UNCHANGED
    assert [entry[0] for entry in await _audit(session)] == ["grant", "grant", "revoke"]


async def test_someone_never_seen_can_be_named_by_id_and_has_no_language(session: AsyncSession) -> None:
    change = await service.grant_role(session, ADMIN, ADMINS, 5555, RoleName.STAFF, NOW)
    assert change.outcome is Outcome.DONE and change.language is None and change.username is None
    assert await service.may_verify(session, 5555, ADMINS)


@pytest.mark.parametrize("action", [Action.GRANT, Action.REVOKE])
async def test_a_non_admin_is_refused_audited_and_changes_nothing(
    session: AsyncSession, commits: list[int], action: Action
) -> None:
    await service.grant_role(session, ADMIN, ADMINS, EVE, RoleName.HR, NOW)
    commits.clear()
    use_case = service.grant_role if action is Action.GRANT else service.revoke_role
    change = await use_case(session, BOB, ADMINS, EVE, RoleName.HR, NOW)
    assert change.outcome is Outcome.DENIED
    assert (change.language, change.username) == (None, None), "nothing learnt about the target"
    assert len(commits) == 1
    assert await _roles(session) == [(EVE, "hr", ADMIN)]
    assert (await _audit(session))[-1] == ("denied", BOB, None, {"attempted": action.value})


async def test_staff_are_not_admins(session: AsyncSession) -> None:
    await service.grant_role(session, ADMIN, ADMINS, BOB, RoleName.STAFF, NOW)
    change = await service.grant_role(session, BOB, ADMINS, EVE, RoleName.STAFF, NOW)
    assert change.outcome is Outcome.DENIED
    assert await service.list_roles(session, BOB, ADMINS, NOW) is None


async def test_admin_is_configuration_and_cannot_be_granted(session: AsyncSession) -> None:
    with pytest.raises(ValueError):
        await service.grant_role(session, ADMIN, ADMINS, BOB, RoleName.ADMIN, NOW)
    assert await _roles(session) == []
    assert service.is_admin(ADMIN, ADMINS) and not service.is_admin(BOB, ADMINS)
    assert await service.may_verify(session, OTHER_ADMIN, ADMINS), "admins can do what staff can"


async def test_the_listing_names_admins_then_staff_then_hr_with_who_granted_and_when(session: AsyncSession) -> None:
    await service.grant_role(session, OTHER_ADMIN, ADMINS, 5555, RoleName.HR, NOW)
    await service.grant_role(session, ADMIN, ADMINS, BOB, RoleName.STAFF, NOW + timedelta(minutes=5))
    await service.grant_role(session, ADMIN, ADMINS, 4444, RoleName.STAFF, NOW + timedelta(minutes=1))
    listing = await service.list_roles(session, ADMIN, ADMINS, NOW)
    assert listing is not None
    assert listing.admins == ((ADMIN, "ada"), (OTHER_ADMIN, None))
    assert [(row.user_id, row.role, row.username, row.granted_by_username) for row in listing.roles] == [
        (4444, RoleName.STAFF, None, "ada"),
        (BOB, RoleName.STAFF, "bob", "ada"),
        (5555, RoleName.HR, None, None),
    ]
    assert listing.roles[1].granted_at == NOW + timedelta(minutes=5)


async def test_listing_by_a_non_admin_is_denied_and_audited(session: AsyncSession, commits: list[int]) -> None:
    assert await service.list_roles(session, EVE, ADMINS, NOW) is None
    assert len(commits) == 1
    assert await _audit(session) == [("denied", EVE, None, {"attempted": "roles"})]


async def test_screens_name_people_by_their_declared_name_where_there_is_one(session: AsyncSession) -> None:
    bob = await session.get(User, BOB)
    assert bob is not None
    bob.display_name = "王博"
    await session.commit()
    change = await service.grant_role(session, ADMIN, ADMINS, BOB, RoleName.STAFF, NOW)
    assert (change.name, change.username) == ("王博", "bob")
    await service.grant_role(session, ADMIN, ADMINS, 4444, RoleName.HR, NOW)
    listing = await service.list_roles(session, ADMIN, ADMINS, NOW)
    assert listing is not None
    assert listing.names == {BOB: "王博"}, "only those with a declared name; 4444 never registered"
