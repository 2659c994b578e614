"""Times of day as people type them: "8:30", "20:00", "8:30am", "8 pm", "晚上8点", "早上8点半".

Plain Python: the daily reminders (HR's /schedule and a person's own /remindme) read their times here.
"""

from __future__ import annotations

import re
from datetime import time

_TIME = re.compile(r"([01]?[0-9]|2[0-3])[:：.]?([0-5][0-9])")
# "8:30am", "8 pm", "12:15 a.m.": the clock English speakers type.
_TWELVE_HOUR = re.compile(r"(1[0-2]|0?[1-9])(?:[:：.]([0-5][0-9]))?\s*([ap])\.?m\.?", re.IGNORECASE)
# "8点", "8点半", "8点30", "8点30分", "20点", "8:30" after a part of the day: "晚上8点", "下午3点15分".
_CHINESE = re.compile(
    r"(凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|夜里|夜间)?\s*([01]?[0-9]|2[0-3])\s*(?:[点點时時]\s*(?:(半)|([0-5]?[0-9])\s*分?)?|[:：]([0-5][0-9]))"
)
# Parts of the day after noon: an hour of 1 to 11 with one of them is afternoon or evening.
_AFTERNOON = frozenset({"下午", "傍晚", "晚上", "夜里", "夜间"})


def parse_time_of_day(text: str) -> time | None:
    """The time meant by `text`, or None when it is not one (25:99, 8:75, words)."""
    text = text.strip()
    if match := _TWELVE_HOUR.fullmatch(text):
        hour = int(match[1]) % 12 + (12 if match[3].lower() == "p" else 0)
        return time(hour, int(match[2] or 0))
    if match := _TIME.fullmatch(text):
        return time(int(match[1]), int(match[2]))
    if match := _CHINESE.fullmatch(text):
        part, hour = match[1], int(match[2])
        minute = 30 if match[3] else int(match[4] or match[5] or 0)
        if part in _AFTERNOON and 1 <= hour < 12 or part == "中午" and hour < 3:
            hour += 12
        elif part == "凌晨" and hour == 12:
            hour = 0
        return time(hour, minute)
    return None
