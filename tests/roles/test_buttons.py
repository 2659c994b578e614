"""The role buttons through the whole dispatcher: one handler per action, picked by the router.

The text a button carries is as before ("role:grant:hr:7"), so cards already in chats keep working; a
button with an action or a role no button of ours carries does not parse and is answered as old.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, Role
from bot.roles.keyboards import RoleCallback
from bot.roles.service import Action, RoleName
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import ADMIN, Harness

PERSON = FakeUser(id=71, first_name="Pat", language_code="en")
NOBODY = FakeUser(id=72, first_name="Mallory", language_code="en")
STALE = "That button belongs to an earlier message."


def _answers(calls: list[RecordedCall]) -> list[str]:
    return [str(call.params.get("text", "")) for call in calls if call.method == "answerCallbackQuery"]


async def _roles(harness: Harness) -> set[tuple[int, str]]:
    async with harness.sessions() as session:
        return {(row.user_id, row.role) for row in await session.scalars(select(Role))}


def test_the_text_a_button_carries_is_unchanged() -> None:
    assert RoleCallback(action=Action.GRANT, role=RoleName.HR, user=7).pack() == "role:grant:hr:7"
    assert RoleCallback.unpack("role:revoke:staff:7") == RoleCallback(action=Action.REVOKE, role=RoleName.STAFF, user=7)


async def test_grant_then_revoke_by_the_buttons(harness: Harness) -> None:
    await harness.add_account(PERSON)
    assert _answers(await harness.press(ADMIN, f"role:grant:staff:{PERSON.id}")) == [""]
    assert await _roles(harness) == {(PERSON.id, "staff")}
    assert _answers(await harness.press(ADMIN, f"role:revoke:staff:{PERSON.id}")) == [""]
    assert await _roles(harness) == set()


@pytest.mark.parametrize(
    "data",
    [
        f"role:roles:staff:{PERSON.id}",
        f"role:grant:admin:{PERSON.id}",
        f"role:make:staff:{PERSON.id}",
        "role:grant:boss:71",
    ],
)
async def test_a_button_no_card_carries_is_old_and_changes_nothing(harness: Harness, data: str) -> None:
    await harness.add_account(PERSON)
    assert _answers(await harness.press(ADMIN, data)) == [STALE]
    assert await _roles(harness) == set()


async def test_someone_not_an_administrator_is_refused_and_the_attempt_recorded(harness: Harness) -> None:
    await harness.add_account(PERSON)
    harness.fake.add_user(NOBODY)
    calls = await harness.press(NOBODY, f"role:grant:hr:{PERSON.id}")
    assert _answers(calls) == ["Only administrators can do that."]
    assert await _roles(harness) == set()
    async with harness.sessions() as session:
        details = [entry.details for entry in await session.scalars(select(AuditEntry))]
    assert details == [{"attempted": "grant"}]
