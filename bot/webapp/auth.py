"""Who is asking: Telegram's signed `initData`, checked with the bot token and for freshness.

Telegram signs what it hands a Mini App (HMAC-SHA256 keyed by the bot token); a page cannot forge it, and
only its `auth_date` keeps a copied one from being replayed forever. Anything that fails is simply None:
the caller answers 401 the same way whatever was wrong, so a probe learns nothing from the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram.utils.web_app import safe_parse_webapp_init_data

# Telegram's page is reopened from the chat at least this often in practice; a longer-lived copy is refused.
FRESHNESS = timedelta(hours=1)
# A real initData is a few hundred bytes; more is not Telegram's, and is not parsed at all.
MAX_INIT_DATA = 4096
# Telegram's clock and the bot's may differ by a little: a date slightly ahead is not a forgery.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class WebAppPerson:
    user_id: int
    language_code: str | None


@dataclass(frozen=True, slots=True)
class _Signed:
    person: WebAppPerson
    auth_date: datetime


def _readable(init_data: object) -> str | None:
    if not isinstance(init_data, str) or not init_data or len(init_data) > MAX_INIT_DATA:
        return None
    return init_data


def _signed(init_data: str, bot_token: str) -> _Signed | None:
    try:
        parsed = safe_parse_webapp_init_data(bot_token, init_data)
    except ValueError:  # a wrong hash, and pydantic's ValidationError of a signed but unreadable body
        return None
    if parsed.user is None:
        return None
    return _Signed(WebAppPerson(user_id=parsed.user.id, language_code=parsed.user.language_code), parsed.auth_date)


def _fresh(signed: _Signed, now: datetime) -> WebAppPerson | None:
    age = now - signed.auth_date
    if age > FRESHNESS or age < -CLOCK_SKEW:
        return None
    return signed.person


def person_from_init_data(init_data: object, bot_token: str, now: datetime) -> WebAppPerson | None:
    """The Telegram user the signed `init_data` names; None when it is missing, forged, malformed or stale."""
    readable = _readable(init_data)
    signed = _signed(readable, bot_token) if readable is not None else None
    return _fresh(signed, now) if signed is not None else None


class InitDataReader:
    """`person_from_init_data` that remembers the strings whose signature it checked.

    A scanner page sends the same initData with every scan; checking its HMAC and parsing it again each time
    was a tenth of a verification's CPU (bench/bench_webapp.py). Only a string that was signed is remembered,
    keyed by the exact string, so a hit is a string that was checked and reads the same again; freshness is still judged on
    every request against its `auth_date`, so a remembered string is refused the moment it is stale, as
    before. Forgeries are not remembered (a flood of them would only push out real ones); the oldest entry
    goes when `size` is reached, and a stale one is dropped when it is next presented.
    """

    def __init__(self, bot_token: str, size: int = 4096) -> None:
        self._bot_token = bot_token
        self._size = size
        self._known: dict[str, _Signed] = {}

    def person(self, init_data: object, now: datetime) -> WebAppPerson | None:
        readable = _readable(init_data)
        if readable is None:
            return None
        signed = self._known.get(readable)
        if signed is None:
            signed = _signed(readable, self._bot_token)
            if signed is None:
                return None
            if len(self._known) >= self._size:
                # dicts keep insertion order: the first key is the oldest remembered.
                del self._known[next(iter(self._known))]
            self._known[readable] = signed
        person = _fresh(signed, now)
        if person is None:
            self._known.pop(readable, None)
        return person
