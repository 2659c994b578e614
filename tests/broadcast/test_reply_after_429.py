"""A reply that meets Telegram's 429 arrives late rather than never: the bot in this process (tests/inprocess.py)
against the fake Bot API, which enforces Telegram's limits (30 messages a second, one a second per chat)."""

from __future__ import annotations

import pytest

from bot.sandbox.emulator import FakeTelegram, FakeUser, RateLimit
from tests.people import Person, message_text, wait_until

# The second answer waits out a real retry_after of about a second.
pytestmark = pytest.mark.slow


async def test_two_quick_messages_in_one_chat_both_get_their_answer(fake: FakeTelegram, start_bot) -> None:
    await start_bot("polling")
    ana = Person(fake, FakeUser(id=3101, first_name="Ana", language_code="en"))
    await ana.say("/start", expect="Choose your language")
    fake.limits.rate_limit = RateLimit(per_second=30, per_chat_per_second=1)
    mark = fake.mark()
    # Sent at once: the second answer would follow the first within the second Telegram allows one chat.
    await fake.send_message(ana.user, "/privacy")
    await fake.send_message(ana.user, "/help")

    def answers() -> list[str]:
        return [message_text(message) for _index, message in ana.bot_messages(mark)]

    await wait_until(lambda: len(answers()) >= 2, "both answers", timeout=15)
    assert fake.limits.too_many_requests >= 1, "the second answer met a 429 and was sent again after it"
    assert len(answers()) == 2, answers()
    assert not any("went wrong" in text for text in answers())
