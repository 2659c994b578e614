"""The words of roles: escaped where they come from users, split where they are long."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import create_i18n
from bot.roles import presenter
from bot.roles.service import Action, GrantedRole, Outcome, RoleChange, RoleListing, RoleName

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("en"):
        yield


def test_what_users_typed_or_named_themselves_is_escaped() -> None:
    card = presenter.forwarded_person(5, "<b>Eve</b> & co", None)
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; co" in card and "<b>Eve</b>" not in card
    assert "none known" in card
    assert "&lt;script&gt;" in presenter.unknown_role("<script>")
    assert "&lt;i&gt;" in presenter.not_a_person("<i>")
    assert "&lt;Person&gt;" in presenter.hidden_sender("<Person>")
    assert presenter.person(5, "a<b") == "<code>5</code> (@a&lt;b)"
    assert presenter.person(5) == "<code>5</code>"


def test_usage_and_unknown_role_list_the_roles_that_can_be_granted() -> None:
    for text in (presenter.usage(Action.GRANT), presenter.unknown_role("boss"), presenter.admin_is_configuration()):
        assert "<code>staff</code> (checkpoint staff)" in text and "<code>hr</code> (HR)" in text
    assert "/revoke" in presenter.usage(Action.REVOKE)


def test_results_say_what_changed_and_whether_the_person_was_told() -> None:
    change = RoleChange(Outcome.DONE, Action.GRANT, RoleName.STAFF, 7)
    assert presenter.change_result(change, "bob", told=True) == (
        "Done: <code>7</code> (@bob) is now checkpoint staff. They will be told in a moment."
    )
    assert "could not be told" in presenter.change_result(change, None, told=False)
    unchanged = RoleChange(Outcome.UNCHANGED, Action.REVOKE, RoleName.HR, 7)
    assert presenter.change_result(unchanged, None, told=False) == "<code>7</code> is not HR. Nothing changed."
    assert "/verify" in presenter.notice(change)
    assert presenter.notice(RoleChange(Outcome.DONE, Action.REVOKE, RoleName.HR, 7)) == (
        "You no longer have the HR role."
    )


def test_the_listing_in_the_admins_zone_and_split_below_telegrams_limit() -> None:
    roles = tuple(
        GrantedRole(
            user_id=10_000 + number,
            username=f"user_{number}" if number % 2 else None,
            role=RoleName.STAFF if number < 300 else RoleName.HR,
            granted_by=1,
            granted_by_username="ada",
            granted_at=NOW + timedelta(minutes=number),
        )
        for number in range(400)
    )
    messages = presenter.listing(RoleListing(admins=((1, "ada"), (2, None)), roles=roles), "en", ZONE)
    assert len(messages) > 1 and all(len(message) <= 4096 for message in messages)
    text = "\n".join(messages)
    assert text.startswith("<b>Roles</b>\n\n<b>Administrators</b> (set by configuration)\n• <code>1</code> (@ada)\n")
    first = "• <code>10000</code>: granted by <code>1</code> (@ada), Nov 27, 2026 16:00"
    assert first in text.splitlines(), "in the admin's zone (UTC+8)"
    assert "• <code>10001</code> (@user_1): granted by" in text
    assert text.index("<b>Checkpoint staff</b>") < text.index("<b>HR</b>") < text.index("<code>10300</code>")
    assert all(line in text.splitlines() for message in messages for line in message.splitlines())


def test_an_empty_listing_says_none() -> None:
    [message] = presenter.listing(RoleListing(admins=(), roles=()), "en", ZONE)
    assert message.count("none") == 4


def test_chunks_never_split_a_line() -> None:
    lines = [f"line {number} " + "x" * 50 for number in range(100)]
    parts = presenter.chunks(lines, limit=500)
    assert all(len(part) <= 500 for part in parts)
    assert "\n".join(parts).splitlines() == lines


def test_people_are_named_by_their_declared_name_and_username_the_id_only_as_a_fallback() -> None:
    assert presenter.person(5, "jane", "Jane <Doe>") == "<b>Jane &lt;Doe&gt;</b> (@jane)"
    # Two people of one name without a @username are still told apart.
    assert presenter.person(5, None, "Jane Doe") == "<b>Jane Doe</b> (<code>5</code>)"
    assert presenter.person(5, "jane", "  ") == "<code>5</code> (@jane)"
    change = RoleChange(Outcome.DONE, Action.GRANT, RoleName.STAFF, 7, username="bob", name="王博")
    done = presenter.change_result(change, "bob", told=True)
    assert done.startswith("Done: <b>王博</b> (@bob) is now checkpoint staff.")
    listing = RoleListing(
        admins=((1, "ada"), (2, None)),
        roles=(GrantedRole(7, "bob", RoleName.STAFF, 1, "ada", NOW),),
        names={1: "Ada Lovelace", 7: "王博"},
    )
    [text] = presenter.listing(listing, "en", ZONE)
    assert "• <b>Ada Lovelace</b> (@ada)" in text and "• <code>2</code>" in text
    assert "• <b>王博</b> (@bob): granted by <b>Ada Lovelace</b> (@ada)" in text
    assert "<code>7</code>" not in text
