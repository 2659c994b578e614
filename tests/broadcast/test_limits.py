"""The rate limiter on its own: pure arithmetic over an injected clock."""

from __future__ import annotations

import pytest

from bot.broadcast.limits import PAID_CEILING, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def send_all(limiter: RateLimiter, clock: Clock, chats: list[int | None]) -> list[float]:
    """Send one message per entry, each as soon as the limiter allows; the moments they went."""
    moments = []
    for chat in chats:
        clock.advance(limiter.delay(chat))
        assert limiter.delay(chat) == 0
        limiter.take(chat)
        moments.append(clock.now)
    return moments


def most_in_any_second(moments: list[float]) -> int:
    return max(sum(1 for other in moments if start <= other < start + 1.0) for start in moments)


def test_the_overall_pace_is_the_configured_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(25, clock=clock)
    moments = send_all(limiter, clock, list(range(1000)))
    assert moments[-1] - clock_start(moments) == pytest.approx(999 / 25, rel=1e-9)
    assert most_in_any_second(moments) <= 26


def clock_start(moments: list[float]) -> float:
    return moments[0]


def test_an_idle_spell_allows_a_small_burst_only() -> None:
    clock = Clock()
    limiter = RateLimiter(25, burst=2, clock=clock)
    clock.advance(60)  # a minute with nothing to send
    assert limiter.delay(1) == 0
    limiter.take(1)
    assert limiter.delay(2) == 0
    limiter.take(2)
    assert limiter.delay(3) == pytest.approx(1 / 25)


def test_any_second_carries_at_most_rate_plus_burst_even_with_gaps() -> None:
    clock = Clock()
    limiter = RateLimiter(25, burst=2, clock=clock)
    moments: list[float] = []
    for round_ in range(20):
        moments += send_all(limiter, clock, list(range(round_ * 100, round_ * 100 + 30)))
        clock.advance(0.3 if round_ % 2 else 0.05)
    assert most_in_any_second(moments) <= 27


def test_one_message_per_interval_to_the_same_chat() -> None:
    clock = Clock()
    limiter = RateLimiter(1000, per_chat_interval=1.1, clock=clock)
    clock.advance(1)
    limiter.take(7)
    assert limiter.delay(7) == pytest.approx(1.1)
    assert limiter.delay(8) == 0
    assert limiter.delay(None) == 0
    clock.advance(1.1)
    assert limiter.delay(7) == 0


def test_a_retry_after_pauses_everything_then_the_pace_starts_over() -> None:
    clock = Clock()
    limiter = RateLimiter(25, burst=2, clock=clock)
    clock.advance(10)
    limiter.take(1)
    limiter.pause(3)
    assert limiter.delay(2) == pytest.approx(3 + 1 / 25)  # no burst saved up during the pause
    clock.advance(3 + 1 / 25)
    assert limiter.delay(2) == pytest.approx(0)
    limiter.take(2)
    assert limiter.delay(3) == pytest.approx(1 / 25)


def test_a_shorter_pause_does_not_cut_a_longer_one() -> None:
    clock = Clock()
    limiter = RateLimiter(25, clock=clock)
    limiter.pause(5)
    limiter.pause(1)
    assert limiter.delay() == pytest.approx(5 + 1 / 25)


def test_chats_are_forgotten_once_their_interval_passed() -> None:
    clock = Clock()
    limiter = RateLimiter(1000, clock=clock)
    send_all(limiter, clock, list(range(20_000)))  # 20 s; about 1,100 chats within their interval at any time
    assert len(limiter._chat_free_at) <= 4097


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
    with pytest.raises(ValueError):
        RateLimiter(25, burst=0.5)


def test_a_message_sent_by_other_means_holds_its_chat_for_an_interval() -> None:
    clock = Clock()
    limiter = RateLimiter(1000, per_chat_interval=1.1, clock=clock)
    clock.advance(1)
    limiter.hold(3)
    assert limiter.delay(3) == pytest.approx(1.1)
    assert limiter.delay(4) == 0


def test_at_rates_near_telegrams_limit_no_window_carries_more_than_the_ceiling() -> None:
    clock = Clock()
    limiter = RateLimiter(30, burst=5, clock=clock)
    clock.advance(10)  # a full bucket
    moments = send_all(limiter, clock, list(range(600)))
    assert max(sum(1 for other in moments if start <= other < start + 1.05) for start in moments) <= 30
    assert (len(moments) - 1) / (moments[-1] - moments[0]) == pytest.approx(30 / 1.05, rel=0.02)


def test_the_ceiling_does_not_slow_the_default_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(25, clock=clock)
    moments = send_all(limiter, clock, list(range(500)))
    assert (len(moments) - 1) / (moments[-1] - moments[0]) == pytest.approx(25, rel=1e-9)


def test_with_paid_broadcasts_the_ceiling_is_a_thousand_a_second_not_thirty() -> None:
    clock = Clock()
    limiter = RateLimiter(1000, clock=clock, ceiling=PAID_CEILING)
    moments = send_all(limiter, clock, list(range(3000)))
    assert most_in_any_second(moments) <= PAID_CEILING + 2
    assert (len(moments) - 1) / (moments[-1] - moments[0]) == pytest.approx(PAID_CEILING / 1.05, rel=0.02)
