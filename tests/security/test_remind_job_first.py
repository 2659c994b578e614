"""Issue 12, item 8: /remind stores the job before it reports "Sending…".

The draft was forgotten, then the progress message sent, then the job stored: a 429 (or any error) on
that message lost the reminder, and HR had to prepare it again. Now the job comes first.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.broadcast.limits import RateLimiter
from bot.broadcast.sender import Sender, SenderSettings
from bot.db.models import Broadcast, Organization, Role, User
from bot.i18n import create_i18n
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import ADMIN, NOW, Harness, logged_errors, texts

HR = FakeUser(id=41, first_name="Hana", language_code="en")
MEMBERS = [FakeUser(id=user_id, first_name="Member", language_code="en") for user_id in (51, 52)]
FAST = SenderSettings(lease=timedelta(seconds=5), retry_base=0.05, progress_every=0.05, poll_every=0.05)


async def _organization_with_members(harness: Harness) -> None:
    async with harness.sessions.begin() as session:
        session.add(
            Organization(id=5, name_en="Acme", name_zh="艾克米", invite_code="acme-code", created_by=1, created_at=NOW)
        )
    await harness.add_account(HR)
    for member in MEMBERS:
        await harness.add_account(member)
    async with harness.sessions.begin() as session:
        session.add(Role(user_id=HR.id, role="hr", organization_id=5, granted_by=ADMIN.id, granted_at=NOW))
        for user in await session.scalars(select(User).where(User.id.in_([member.id for member in MEMBERS]))):
            user.organization_id = 5


def _button(calls: list[RecordedCall], prefix: str, suffix: str = "") -> str:
    for call in reversed(calls):
        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                data = str(button.get("callback_data", ""))
                if data.startswith(prefix) and data.endswith(suffix):
                    return str(button["callback_data"])
    raise AssertionError(f"no {prefix} button")


async def _prepare_and_send(harness: Harness, fault: dict | None = None) -> list[RecordedCall]:
    chosen = await harness.send(HR, "/remind")
    preview = await harness.press(HR, _button(chosen, "remind:who:5:", ":everyone"))
    under = await harness.bot.send_message(HR.id, "…")
    if fault is not None:
        # The next message to HR is "Sending the reminder to 2 people…".
        harness.fake.limits.fail(HR.id, **fault)
    message = {"chat": {"id": HR.id}, "message_id": under.message_id}
    return await harness.feed(await harness.fake.press_button(HR, message, _button(preview, "remind:send:")))


async def _sent_by_a_sender(harness: Harness) -> list[int]:
    mark = harness.fake.mark()
    sender = Sender(
        harness.sessions, harness.bot, create_i18n(), lambda: NOW, RateLimiter(500, per_chat_interval=0.2), FAST
    )
    await sender.drain()
    return sorted(int(call.params["chat_id"]) for call in harness.fake.calls[mark:] if call.method == "sendMessage")


@pytest.mark.parametrize(
    "fault",
    [{"retry_after": 7}, {"code": 500, "description": "Internal Server Error"}],
    ids=["429", "500"],
)
async def test_a_failed_progress_message_still_leaves_the_job_to_send(
    harness: Harness, caplog: pytest.LogCaptureFixture, fault: dict
) -> None:
    await _organization_with_members(harness)
    calls = await _prepare_and_send(harness, fault)
    assert not any("went wrong" in text or "again" in text for text in texts(calls)), "HR is not asked to start again"
    async with harness.sessions() as session:
        [job] = list(await session.scalars(select(Broadcast)))
    assert job.organization_id == 5 and job.progress_message_id is None
    assert await _sent_by_a_sender(harness) == [member.id for member in MEMBERS]
    assert logged_errors(caplog) == []


async def test_the_progress_message_is_attached_to_the_stored_job_and_ends_with_the_summary(
    harness: Harness,
) -> None:
    await _organization_with_members(harness)
    calls = await _prepare_and_send(harness)
    [sending] = [call for call in calls if call.method == "sendMessage" and "Sending" in call.params["text"]]
    async with harness.sessions() as session:
        [job] = list(await session.scalars(select(Broadcast)))
    assert (job.progress_chat_id, job.progress_message_id) == (HR.id, sending.result["message_id"])
    mark = harness.fake.mark()
    assert MEMBERS[0].id in await _sent_by_a_sender(harness)
    edits = [call for call in harness.fake.calls[mark:] if call.method == "editMessageText"]
    assert edits and int(edits[-1].params["message_id"]) == sending.result["message_id"]
