"""The chat's ways into the Mini App: a button under every code, the menu button, and staff's scanner button.
Without WEBAPP_URL none of them appears and the chat works as before."""

from __future__ import annotations

import json
from typing import Any

from bot.family.keyboards import MemberCode
from bot.family.service import Relation, add_member
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import NOW, Harness
from tests.stories import ZONE, answers
from tests.webapp.conftest import HOLDER, STAFF, STRANGER, WEBAPP_URL, add_holder, add_staff


def markup(call: RecordedCall) -> dict[str, Any]:
    value = call.params.get("reply_markup") or {}
    return json.loads(value) if isinstance(value, str) else dict(value)


def buttons(call: RecordedCall) -> list[dict[str, Any]]:
    rows = markup(call).get("inline_keyboard") or markup(call).get("keyboard") or []
    return [button for row in rows for button in row]


def web_apps(calls: list[RecordedCall]) -> list[tuple[str, str]]:
    return [
        (button["text"], button["web_app"]["url"]) for call in calls for button in buttons(call) if "web_app" in button
    ]


def menu_buttons(calls: list[RecordedCall]) -> list[dict[str, Any]]:
    found = []
    for call in calls:
        if call.method == "setChatMenuButton":
            value = call.params["menu_button"]
            found.append(
                {"chat_id": int(call.params["chat_id"]), **(json.loads(value) if isinstance(value, str) else value)}
            )
    return found


async def test_every_code_carries_the_live_code_button_and_sets_the_menu_button_once(
    chat_with_webapp: Harness,
) -> None:
    harness = chat_with_webapp
    await add_holder(harness, HOLDER, language="zh")
    holder = FakeUser(id=HOLDER, first_name="Li", language_code="zh")
    calls = await harness.send(holder, "/code")
    assert web_apps([call for call in calls if call.method == "sendPhoto"]) == [("📱 打开动态健康码", WEBAPP_URL)]
    assert menu_buttons(calls) == [
        {"chat_id": HOLDER, "type": "web_app", "text": "我的健康码", "web_app": {"url": WEBAPP_URL}}
    ]
    # Shown again from Telegram's cache: the button is there, the menu is already set.
    calls = await harness.send(holder, "/code")
    assert web_apps([call for call in calls if call.method == "sendPhoto"]) == [("📱 打开动态健康码", WEBAPP_URL)]
    assert menu_buttons(calls) == []


async def test_a_family_members_code_carries_neither_the_live_code_button_nor_the_menu_button(
    chat_with_webapp: Harness,
) -> None:
    """Both open the presser's own live code: under their child's code they would show the wrong person."""
    harness = chat_with_webapp
    await add_holder(harness, HOLDER)
    async with harness.sessions() as session:
        added = await add_member(session, HOLDER, Relation.CHILD, answers(full_name="Mia Chen"), NOW, ZONE)
    holder = FakeUser(id=HOLDER, first_name="Li", language_code="en")
    calls = await harness.press(holder, MemberCode(member=added.member.id).pack())
    [photo] = [call for call in calls if call.method == "sendPhoto"]
    assert int(photo.params["chat_id"]) == HOLDER
    assert web_apps(calls) == []
    assert menu_buttons(calls) == []


async def test_only_staff_get_the_scanner_button(chat_with_webapp: Harness) -> None:
    harness = chat_with_webapp
    await add_staff(harness.sessions, STAFF)
    staff = FakeUser(id=STAFF, first_name="Sam", language_code="en")
    stranger = FakeUser(id=STRANGER, first_name="Stan", language_code="en")
    for person in (staff, stranger):
        harness.fake.add_user(person)
    calls = await harness.send(staff, "/verify")
    assert ("📷 Scan codes", WEBAPP_URL + "/scan") in web_apps(calls)
    assert any("Scan codes" in str(call.params.get("text")) for call in calls)
    calls = await harness.send(stranger, "/verify")
    assert web_apps(calls) == []


async def test_without_a_mini_app_the_chat_offers_none_of_it(harness: Harness) -> None:
    await add_holder(harness, HOLDER)
    await add_staff(harness.sessions, STAFF)
    staff = FakeUser(id=STAFF, first_name="Sam", language_code="en")
    harness.fake.add_user(staff)
    calls = await harness.send(FakeUser(id=HOLDER, first_name="Li", language_code="en"), "/code")
    calls += await harness.send(staff, "/verify")
    assert any(call.method == "sendPhoto" for call in calls)
    assert web_apps(calls) == []
    assert menu_buttons(calls) == []
