from __future__ import annotations

from bot.verification.throttle import FailureThrottle


def test_ten_failures_a_minute_pass_the_eleventh_attempt_waits() -> None:
    throttle = FailureThrottle(limit=10, window=60)
    for second in range(10):
        assert throttle.wait(1, 1000 + second) == 0
        throttle.failed(1, 1000 + second)
    assert throttle.wait(1, 1010) == 50  # until the oldest failure is a minute old
    assert throttle.wait(2, 1010) == 0, "other accounts are not slowed"
    assert throttle.wait(1, 1059.5) == 1
    assert throttle.wait(1, 1060) == 0


def test_failures_spread_over_more_than_a_minute_never_wait() -> None:
    throttle = FailureThrottle(limit=10, window=60)
    for second in range(0, 600, 7):
        assert throttle.wait(1, second) == 0
        throttle.failed(1, second)


def test_a_refusal_period_is_logged_once_a_minute() -> None:
    throttle = FailureThrottle(limit=2, window=60)
    throttle.failed(1, 0)
    throttle.failed(1, 1)
    assert throttle.should_log(1, 2)
    assert not throttle.should_log(1, 30)
    assert throttle.should_log(1, 62)


def test_memory_is_bounded_by_forgetting_quiet_accounts() -> None:
    throttle = FailureThrottle(limit=10, window=60, max_accounts=100)
    for account in range(1000):
        throttle.failed(account, account * 61)
    assert len(throttle._accounts) <= 101
