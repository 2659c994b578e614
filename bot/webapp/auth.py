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


def person_from_init_data(init_data: object, bot_token: str, now: datetime) -> WebAppPerson | None:
    """The Telegram user the signed `init_data` names; None when it is missing, forged, malformed or stale."""
    if not isinstance(init_data, str) or not init_data or len(init_data) > MAX_INIT_DATA:
        return None
    try:
        parsed = safe_parse_webapp_init_data(bot_token, init_data)
    except ValueError:  # a wrong hash, and pydantic's ValidationError of a signed but unreadable body
        return None
    if parsed.user is None:
        return None
    age = now - parsed.auth_date
    if age > FRESHNESS or age < -CLOCK_SKEW:
        return None
    return WebAppPerson(user_id=parsed.user.id, language_code=parsed.user.language_code)
