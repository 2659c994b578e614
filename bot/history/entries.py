"""What a history is made of: entries of several kinds, newest first, cut into pages.

Each kind of entry is a small frozen dataclass with `when` (an aware moment, which orders the
history) and `id` (its row, which orders two entries of one kind at the same moment); its words are
a renderer registered in `bot.history.presenter`. A new kind (say, a code checked at a checkpoint)
is one more dataclass here, one more query in the repository, and one more renderer: paging, the
stamp and the keyboard need no change.

Plain Python: no aiogram, no SQLAlchemy, so all of it is tested without a database.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

PAGE_SIZE = 8
_SEVERITY = {"green": 0, "yellow": 1, "red": 2}


@dataclass(frozen=True, slots=True)
class Entry:
    when: datetime
    id: int
    # Of entries at the same moment, the higher is the newer: a colour set by a declaration comes after it.
    order: ClassVar[int] = 0

    @property
    def sort_key(self) -> tuple[datetime, int, int]:
        return (self.when, self.order, self.id)


@dataclass(frozen=True, slots=True)
class DeclarationEntry(Entry):
    """A declaration sent; the day's report that came with it is shown here, not as a check-in."""

    # None when the stored value is not usable (the entry is still shown, without the summary).
    temperature_c: float | None
    symptoms: tuple[str, ...] | None
    order: ClassVar[int] = 0


@dataclass(frozen=True, slots=True)
class CheckInEntry(Entry):
    day: date  # the local day it reports on
    temperature_c: float
    symptoms: tuple[str, ...]
    order: ClassVar[int] = 1


class Turn(StrEnum):
    """How a status row came about, as the person should be told it."""

    SET = "set"  # by a declaration or a check-in (or a colour that got worse): its reasons say why
    EASED = "eased"  # the passing days with normal check-ins ended some reasons, or all of them
    RESTARTED = "restarted"  # same colour and reasons, but the count of days began again
    DECIDED = "decided"  # an administrator's override, for a health authority's decision


@dataclass(frozen=True, slots=True)
class ColourEntry(Entry):
    colour: str
    reasons: tuple[str, ...]
    turn: Turn
    # The first day of the count to green, for a restarted count.
    starts_on: date | None = None
    # For a DECIDED turn: what the health authority decided (an OverrideCategory code); None when the
    # decision ended, or for a change recorded before categories were kept.
    decision: str | None = None
    order: ClassVar[int] = 2


@dataclass(frozen=True, slots=True)
class CheckpointEntry(Entry):
    """The person's code checked at a checkpoint: when, and the verdict; never by whom."""

    valid: bool
    reason: str  # the verification's reason: "ok", "expired", "colour_changed"...
    # A temperature staff recorded there, if any.
    temperature_c: float | None = None
    # A colour changed by a fever taken at the checkpoint comes after the check.
    order: ClassVar[int] = 1


@dataclass(frozen=True, slots=True)
class MissedDayEntry(Entry):
    """A day without a check-in that started the count to green again; `when` is the end of that day."""

    day: date
    order: ClassVar[int] = 0


@dataclass(frozen=True, slots=True)
class AppealEntry(Entry):
    """An appeal made against a reason for the colour."""

    reason: str
    order: ClassVar[int] = 0


@dataclass(frozen=True, slots=True)
class AppealOutcomeEntry(Entry):
    """An appeal decided or withdrawn; `when` is then. Never who decided."""

    outcome: str  # "upheld", "granted" or "withdrawn"
    reason: str
    category: str | None = None
    text: str | None = None
    # A grant's first day without its override.
    ends_on: date | None = None
    # The colour the grant set comes after it.
    order: ClassVar[int] = 1


# Every kind there is; a test checks that each has a renderer.
KINDS: tuple[type[Entry], ...] = (
    DeclarationEntry,
    CheckInEntry,
    ColourEntry,
    CheckpointEntry,
    MissedDayEntry,
    AppealEntry,
    AppealOutcomeEntry,
)


def colour_turn(
    cause: str,
    colour: str,
    reasons: Iterable[str],
    starts_on: date | None,
    previous: tuple[str, Iterable[str], date | None] | None,
) -> Turn:
    """`previous` is the (colour, reasons, starts_on) of the status row before, when one is kept."""
    if cause == "override":
        return Turn.DECIDED
    if cause != "daily":
        return Turn.SET
    if previous is None:  # retention deleted what it changed from: the days passed, that much is known
        return Turn.EASED
    previous_colour, previous_reasons, previous_starts_on = previous
    if _SEVERITY.get(colour, 0) > _SEVERITY.get(previous_colour, 0):
        return Turn.SET
    same = colour == previous_colour and list(reasons) == list(previous_reasons)
    if same and starts_on is not None and starts_on != previous_starts_on:
        return Turn.RESTARTED
    return Turn.EASED


def newest_first(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    return tuple(sorted(entries, key=lambda entry: entry.sort_key, reverse=True))


def stamp_of(entries: Iterable[Entry]) -> int:
    """A short fingerprint of what a history holds: a page button made for another one is recognised.

    Any new, replaced (a second check-in of a day) or deleted row changes it. It is not a secret and
    needs none: a forged stamp only makes the button count as one from an earlier message.
    """
    text = "|".join(f"{type(entry).__name__}:{entry.id}:{entry.when.timestamp()}" for entry in entries)
    return zlib.crc32(text.encode())


@dataclass(frozen=True, slots=True)
class Page:
    entries: tuple[Entry, ...]
    number: int  # 0 is the newest page
    count: int
    stamp: int

    @property
    def has_newer(self) -> bool:
        return self.number > 0

    @property
    def has_older(self) -> bool:
        return self.number < self.count - 1


@dataclass(frozen=True, slots=True)
class History:
    entries: tuple[Entry, ...]  # newest first

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> History:
        return cls(newest_first(entries))

    @property
    def stamp(self) -> int:
        return stamp_of(self.entries)

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.entries) // PAGE_SIZE))

    def page(self, number: int) -> Page:
        """The page `number` (0 is the newest), clamped to the pages there are: a forged number shows a real page."""
        count = self.page_count
        number = min(max(number, 0), count - 1)
        start = number * PAGE_SIZE
        return Page(self.entries[start : start + PAGE_SIZE], number, count, self.stamp)
