"""Days as people type them: "2026-12-01", "1 Dec", "Dec 1", "12月1日", "1/12/2026".

A day and a month both 12 or less ("1/12") are read both ways, day first and month first: Europe and
China's foreigners write one, the United States the other, and guessing would put someone's arrival a
month or more off. The caller asks which one was meant. Month names come from CLDR through Babel, so
"Dec", "December" and "Sept." are the names people read elsewhere.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date

from babel import Locale


class NoSuchDay(ValueError):
    """Read as a date, but no such day exists (30 February, month 13)."""


_ISO = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
_CHINESE = re.compile(r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?")
_NUMERIC = re.compile(r"(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})(?:[/.\-](?P<y>\d{4}|\d{2}))?")
_ORDINAL = r"(?:st|nd|rd|th)?"
_DAY_MONTH = re.compile(rf"(?P<d>\d{{1,2}}){_ORDINAL}(?:of)?(?P<month>[a-z]+)(?P<y>\d{{4}})?")
_MONTH_DAY = re.compile(rf"(?P<month>[a-z]+)(?P<d>\d{{1,2}}){_ORDINAL}(?P<y>\d{{4}})?")


@functools.cache
def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    months = Locale.parse("en").months
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for number, name in months[context][width].items():
                names[name.casefold().rstrip(".")] = number
    names["sept"] = 9
    return names


def read_day(text: str, today: date) -> tuple[date, ...]:
    """The days `text` can mean, the likelier first; () when it is no date at all.

    Without a year, the next such day from `today` on (a day already past this year is next year's).
    Raises NoSuchDay when it is written as a date but names none.
    """
    compact = re.sub(r"[\s,]+", "", unicodedata.normalize("NFKC", text).casefold())
    if match := _ISO.fullmatch(compact):
        return _days([(int(match["y"]), int(match["m"]), int(match["d"]))], today, given_year=True)
    if match := _CHINESE.fullmatch(compact):
        year = int(match["y"]) if match["y"] else None
        return _days([(year, int(match["m"]), int(match["d"]))], today, given_year=year is not None)
    if match := _NUMERIC.fullmatch(compact):
        year = _year(match["y"])
        first, second = int(match["a"]), int(match["b"])
        readings = [(year, second, first)]  # day first, as most of the world writes it
        if first != second:
            readings.append((year, first, second))  # month first, as the United States does
        return _days(readings, today, given_year=year is not None)
    letters = compact.replace(".", "")
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        if (match := pattern.fullmatch(letters)) and (month := _month_names().get(match["month"])) is not None:
            year = int(match["y"]) if match["y"] else None
            return _days([(year, month, int(match["d"]))], today, given_year=year is not None)
    return ()


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    return 2000 + int(text) if len(text) == 2 else int(text)


def _days(readings: list[tuple[int | None, int, int]], today: date, given_year: bool) -> tuple[date, ...]:
    days: list[date] = []
    for year, month, day in readings:
        try:
            found = date(year if year is not None else today.year, month, day)
            if not given_year and found < today:
                found = found.replace(year=today.year + 1)
        except ValueError:
            continue
        days.append(found)
    if not days:
        raise NoSuchDay(readings)
    return tuple(days)
