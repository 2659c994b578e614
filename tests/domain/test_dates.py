"""Days as people type them, in several ways; ambiguous day and month read both ways, never guessed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.dates import NoSuchDay, read_day

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-01", (date(2026, 12, 1),)),
        ("2026/12/1", (date(2026, 12, 1),)),
        ("12月1日", (date(2026, 12, 1),)),
        ("2027年1月3号", (date(2027, 1, 3),)),
        ("１２月１日", (date(2026, 12, 1),)),
        ("1 Dec", (date(2026, 12, 1),)),
        ("Dec 1", (date(2026, 12, 1),)),
        ("1st December", (date(2026, 12, 1),)),
        ("December 1, 2026", (date(2026, 12, 1),)),
        ("Sept. 3", (date(2027, 9, 3),)),
        ("3 jan", (date(2027, 1, 3),)),
        ("25/12/2026", (date(2026, 12, 25),)),
        ("12/25", (date(2026, 12, 25),)),
        ("1/12/2026", (date(2026, 12, 1), date(2026, 1, 12))),
        ("1.12", (date(2026, 12, 1), date(2027, 1, 12))),
        ("5/5", (date(2027, 5, 5),)),
    ],
)
def test_the_ways_people_write_a_day(raw: str, expected: tuple[date, ...]) -> None:
    assert read_day(raw, TODAY) == expected


@pytest.mark.parametrize("raw", ["tomorrow", "", "36.6.6", "Decembre 1", "1 2 3"])
def test_what_is_no_date(raw: str) -> None:
    assert read_day(raw, TODAY) == ()


@pytest.mark.parametrize("raw", ["2026-02-30", "13月1日", "31 Nov", "13/13"])
def test_a_day_that_does_not_exist(raw: str) -> None:
    with pytest.raises(NoSuchDay):
        read_day(raw, TODAY)


@given(st.dates(min_value=TODAY, max_value=TODAY + timedelta(days=300)))
def test_every_way_of_writing_a_coming_day_reads_as_that_day(day: date) -> None:
    month = day.strftime("%b")
    for raw in (day.isoformat(), f"{day.month}月{day.day}日", f"{day.day} {month}", f"{month} {day.day}"):
        assert read_day(raw, TODAY) == (day,), raw
    both = read_day(f"{day.day}/{day.month}/{day.year}", TODAY)
    assert both[0] == day and len(both) <= 2
    assert len(both) == 1 or (day.day <= 12 and day.day != day.month)
