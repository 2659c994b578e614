"""Slowing down an account that sends many codes that do not verify (someone guessing or forging tokens).

Kept in memory, per bot process: a restart forgets it, and with several processes behind one webhook
each counts its own share. That is acceptable here: a token carries a 128-bit signature, so guessing
is hopeless anyway; the limit keeps a misused staff account from hammering the bot, and every refusal
period is written to the audit log, which is what an administrator looks at.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

LIMIT = 10  # failed verifications allowed ...
WINDOW = 60.0  # ... within this many seconds


@dataclass
class _Account:
    failures: deque[float] = field(default_factory=deque)
    # Until then, refusals are not written to the audit log again.
    logged_until: float = float("-inf")


class FailureThrottle:
    def __init__(self, limit: int = LIMIT, window: float = WINDOW, max_accounts: int = 10_000) -> None:
        self._limit = limit
        self._window = window
        self._max_accounts = max_accounts
        self._accounts: dict[int, _Account] = {}

    def wait(self, account_id: int, now: float) -> int:
        """Seconds `account_id` must wait before verifying again; 0 when it may go on."""
        state = self._accounts.get(account_id)
        if state is None:
            return 0
        self._forget_old(state, now)
        if len(state.failures) < self._limit:
            return 0
        return max(1, math.ceil(state.failures[0] + self._window - now))

    def should_log(self, account_id: int, now: float) -> bool:
        """True for the first refusal in a window: a persistent account is audited once a minute, not per attempt."""
        state = self._accounts.get(account_id)
        if state is None or now < state.logged_until:
            return False
        state.logged_until = now + self._window
        return True

    def failed(self, account_id: int, now: float) -> None:
        state = self._accounts.get(account_id)
        if state is None:
            if len(self._accounts) >= self._max_accounts:
                self._prune(now)
            state = self._accounts.setdefault(account_id, _Account())
        self._forget_old(state, now)
        state.failures.append(now)

    def _forget_old(self, state: _Account, now: float) -> None:
        while state.failures and state.failures[0] <= now - self._window:
            state.failures.popleft()

    def _prune(self, now: float) -> None:
        for account_id in list(self._accounts):
            state = self._accounts[account_id]
            self._forget_old(state, now)
            if not state.failures:
                del self._accounts[account_id]
