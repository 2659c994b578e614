"""Languages: gettext catalogs under locales/, the user's locale, and locale-aware dates."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from pathlib import Path

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, format_skeleton, format_time

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES = ("en", "zh")
# Babel needs the script for Chinese; gettext catalogs use the short code the bot stores.
_BABEL_LOCALES = {"en": "en", "zh": "zh_Hans_CN"}


def create_i18n() -> I18n:
    return I18n(path=LOCALES_DIR, default_locale=DEFAULT_LOCALE, domain=DOMAIN)


def locale_for_telegram_language(language_code: str | None) -> str:
    """Telegram's language tag decides until the user chooses: zh-hans, zh-hant, zh-TW all read Chinese."""
    return "zh" if (language_code or "").lower().startswith("zh") else "en"


# Babel parses its patterns on every call; a caption needs the same few days and minutes over and
# over, so formatted values are cached (a large share of "show my code" otherwise).
@functools.lru_cache(maxsize=4096)
def format_day(value: date, locale: str) -> str:
    return format_date(value, format="long", locale=_BABEL_LOCALES.get(locale, locale))


@functools.lru_cache(maxsize=1024)
def format_short_day(value: date, locale: str) -> str:
    """Day and month the way the locale writes them in a sentence: "Dec 9", "12月9日"."""
    return format_skeleton("MMMd", value, locale=_BABEL_LOCALES.get(locale, locale))


def format_moment(value: datetime, locale: str, zone: tzinfo) -> str:
    """Day and time to the minute, in `zone`."""
    local = value.astimezone(zone)
    return _format_minute(local.replace(second=0, microsecond=0, tzinfo=None), locale)


@functools.lru_cache(maxsize=4096)
def _format_minute(local: datetime, locale: str) -> str:
    babel_locale = _BABEL_LOCALES.get(locale, locale)
    day = format_date(local.date(), format="medium", locale=babel_locale)
    time = format_time(local.time(), format="HH:mm", locale=babel_locale)
    return f"{day} {time}"


def semicolons(items: Iterable[str]) -> str:
    """Items in a sentence, in the current language: "a; b" in English, "甲；乙" after Chinese."""
    joined: str | None = None
    for item in items:
        joined = item if joined is None else _("{first}; {second}").format(first=joined, second=item)
    return joined or ""


def N_(message: str) -> str:
    """Marks a msgid for extraction where it is translated later for a locale named explicitly."""
    return message
