"""What /schedule accepts as a time of day."""

from __future__ import annotations

from datetime import time

import pytest

from bot.organizations.reminders.handlers import parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:30", time(8, 30)),
        ("8:30", time(8, 30)),
        (" 8:05 ", time(8, 5)),
        ("0830", time(8, 30)),
        ("8.30", time(8, 30)),
        ("8：30", time(8, 30)),  # a Chinese keyboard's colon
        ("23:59", time(23, 59)),
        ("00:00", time(0, 0)),
        ("24:00", None),
        ("25:00", None),
        ("8:60", None),
        ("8", None),
        ("noon", None),
        ("8:30am", time(8, 30)),
        ("8:30 PM", time(20, 30)),
        ("8am", time(8, 0)),
        ("12am", time(0, 0)),
        ("12:15 p.m.", time(12, 15)),
        ("13:00pm", None),
        ("0am", None),
        ("", None),
    ],
)
def test_times_of_day(text: str, expected: time | None) -> None:
    assert parse_time(text) == expected
