"""The fake Bot API's optional limits: Telegram's 429s, counted, and faults a test arranges."""

from __future__ import annotations

import pytest

from bot.sandbox.emulator import Limits, RateLimit
from bot.sandbox.emulator.limits import TooManyRequests
from bot.sandbox.emulator.objects import TelegramError


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def send(limits: Limits, chat: int, method: str = "sendMessage") -> None:
    limits.check(method, {"chat_id": chat, "text": "hi"})


def test_off_by_default() -> None:
    limits = Limits()
    for _ in range(100):
        send(limits, 1)
    assert limits.too_many_requests == 0


def test_more_than_per_second_in_any_second_is_answered_429_with_retry_after() -> None:
    clock = Clock()
    limits = Limits(RateLimit(per_second=30), clock=clock)
    for chat in range(30):
        send(limits, chat)
        clock.now += 0.01
    with pytest.raises(TooManyRequests) as refused:
        send(limits, 99)
    assert refused.value.code == 429
    assert refused.value.body()["parameters"] == {"retry_after": 1}
    assert refused.value.body()["description"] == "Too Many Requests: retry after 1"
    assert limits.too_many_requests == 1
    clock.now += 0.71  # the first of the thirty is a second old
    send(limits, 99)
    assert limits.accepted == 31


def test_a_second_message_to_one_chat_within_a_second_is_refused_but_others_go() -> None:
    clock = Clock()
    limits = Limits(RateLimit(per_second=30, per_chat_per_second=1), clock=clock)
    send(limits, 7)
    clock.now += 0.5
    with pytest.raises(TooManyRequests):
        limits.check("editMessageText", {"chat_id": 7, "message_id": 1, "text": "x"})
    send(limits, 8)
    clock.now += 0.5
    send(limits, 7)
    assert limits.too_many_requests == 1


def test_methods_that_send_nothing_are_not_limited() -> None:
    limits = Limits(RateLimit(per_second=1), clock=Clock())
    send(limits, 1)
    for _ in range(10):
        limits.check("getUpdates", {"timeout": 0})
        limits.check("answerCallbackQuery", {"callback_query_id": "1"})


def test_arranged_faults_hit_the_chosen_chat_a_chosen_number_of_times() -> None:
    limits = Limits()
    limits.fail(5, times=2, code=502, description="Bad Gateway")
    limits.fail(6, retry_after=3)
    send(limits, 4)
    for _ in range(2):
        with pytest.raises(TelegramError) as failed:
            send(limits, 5)
        assert (failed.value.code, failed.value.description) == (502, "Bad Gateway")
    send(limits, 5)
    with pytest.raises(TooManyRequests) as refused:
        send(limits, 6)
    assert refused.value.retry_after == 3
    send(limits, 6)
    assert limits.too_many_requests == 0, "arranged 429s are not the rate limit's"


def test_messages_carrying_allow_paid_broadcast_may_go_up_to_a_thousand_a_second() -> None:
    clock = Clock()
    limits = Limits(RateLimit(per_second=30), clock=clock)
    for chat in range(1000):
        limits.check("sendMessage", {"chat_id": chat, "text": "hi", "allow_paid_broadcast": "true"})
        clock.now += 0.0005
    with pytest.raises(TooManyRequests):
        send(limits, 5000)  # a free message: the second already carries more than 30
    with pytest.raises(TooManyRequests):
        limits.check("sendMessage", {"chat_id": 5001, "text": "hi", "allow_paid_broadcast": True})
    assert limits.accepted == 1000 and limits.too_many_requests == 2
