"""The words of a status fit where they are shown, in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.codes.presenter import caption, explanation
from bot.codes.service import CurrentCode
from bot.db.models import Assessment, Code
from bot.domain.answers import Colour
from bot.domain.assessment import load_rules
from bot.domain.status import Status
from bot.i18n import SUPPORTED_LOCALES, create_i18n
from bot.sandbox.emulator.formatting import parse_html
from bot.status.presenter import status_lines

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)
TODAY = NOW.astimezone(ZONE).date()


def _status(**changes) -> Status:
    rules = load_rules()
    # Every reason of the rules at once: more than any person has, the longest text there can be.
    red = tuple(c.reason for c in rules.criteria if c.colour == Colour.RED)
    yellow = tuple(c.reason for c in rules.criteria if c.colour == Colour.YELLOW)
    values = {
        "colour": Colour.RED,
        "reasons": red,
        "other_reasons": yellow,
        "period_days": 14,
        "since": TODAY - timedelta(days=3),
        "day_number": 4,
        "changes_on": TODAY + timedelta(days=11),
        "green_on": TODAY + timedelta(days=12),
        "checked_in_today": True,
        "next_checkin_on": TODAY + timedelta(days=1),
        "next_step": "centralized_or_home_quarantine",
        "clears_by_checkins": True,
        "rules_version": rules.version,
    }
    return Status(**{**values, **changes})


def _current(status: Status) -> CurrentCode:
    code = Code(
        user_id=1,
        assessment_id=1,
        token="t" * 46,
        colour=str(status.colour),
        language="en",
        issued_at=NOW,
        expires_at=NOW + timedelta(hours=24),
        file_id=None,
        status=status.to_dict(),
    )
    return CurrentCode(code=code, assessment=Assessment(colour=str(status.colour)))


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_red_codes_caption_is_three_lines_the_colour_valid_until_and_the_time_shown(locale: str) -> None:
    """A red code's caption ran 8 to 11 lines and pushed the QR off a phone's screen; the rest is a press away."""
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale(locale):
        text = caption(_current(_status()), locale, NOW, ZONE)
        why = explanation(_current(_status()), locale, NOW, ZONE)
    visible, _entities = parse_html(text)
    lines = visible.split("\n")
    assert len(lines) == 3, visible
    assert lines[0] == ("🔴 RED CODE" if locale == "en" else "🔴 红码")
    assert ("valid until" if locale == "en" else "有效期至") in lines[1]
    assert ("Shown at" if locale == "en" else "出示时间") in lines[2]
    for detail in ("Day 4 of 14", "第 4 天", "Why", "原因", "/status", "Next step", "Earliest"):
        assert detail not in visible
    # ...and every one of them is in the explanation the "Why this colour?" button answers with.
    assert ("Day 4 of 14" if locale == "en" else "已连续正常打卡 4 天") in why


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"day_number": None, "since": TODAY + timedelta(days=2)}, "Your count of days starts on"),
        ({"day_number": None}, "starts again tomorrow"),
        ({"clears_by_checkins": False, "green_on": None, "changes_on": None}, "Only a health authority"),
        ({"checked_in_today": False, "next_checkin_on": TODAY}, "Not checked in today yet"),
    ],
)
def test_the_way_to_green_says_what_applies(changes: dict, expected: str) -> None:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("en"):
        text = "\n".join(status_lines(_status(other_reasons=(), **changes), "en", TODAY))
    assert expected in text


def test_a_green_status_has_no_way_to_green_only_the_check_in() -> None:
    i18n = create_i18n()
    green = _status(
        colour=Colour.GREEN,
        reasons=(),
        other_reasons=(),
        period_days=0,
        since=None,
        day_number=None,
        changes_on=None,
        green_on=None,
        next_step="show_code_and_temperature",
    )
    with i18n.context(), i18n.use_locale("en"):
        text = "\n".join(status_lines(green, "en", date(2026, 3, 5)))
    assert "GREEN CODE" in text and "Checked in today" in text
    assert "Day " not in text and "Earliest" not in text


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "You did not check in on Mar 2, so the count of days started again."), ("zh", "3月2日")],
)
def test_a_missed_day_is_said_in_the_status_and_behind_the_codes_why_button(locale: str, expected: str) -> None:
    i18n = create_i18n()
    missed = _status(day_number=2, missed_from=TODAY - timedelta(days=3), missed_to=TODAY - timedelta(days=3))
    with i18n.context(), i18n.use_locale(locale):
        text = "\n".join(status_lines(missed, locale, TODAY))
        why = explanation(_current(missed), locale, NOW, ZONE)
        shown = caption(_current(missed), locale, NOW, ZONE)
    assert expected in text
    assert expected in why, "the restarted count is explained a press away from the code"
    assert expected not in shown


def test_missed_days_in_a_row_are_said_as_a_span() -> None:
    i18n = create_i18n()
    missed = _status(missed_from=TODAY - timedelta(days=3), missed_to=TODAY - timedelta(days=1))
    with i18n.context(), i18n.use_locale("en"):
        text = "\n".join(status_lines(missed, "en", TODAY))
    assert "You did not check in from Mar 2 to Mar 4, so the count of days started again." in text


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_red_asks_to_delay_the_return_only_before_arrival(locale: str) -> None:
    i18n = create_i18n()
    delay = {"en": "delay your return", "zh": "暂缓返甬"}[locale]
    arriving = _status(day_number=None, since=TODAY + timedelta(days=2))
    with i18n.context(), i18n.use_locale(locale):
        here = "\n".join(status_lines(_status(), locale, TODAY))
        not_yet = "\n".join(status_lines(arriving, locale, TODAY))
    assert delay not in here, "someone already in Ningbo cannot delay their return"
    assert ("14 days of centralized" if locale == "en" else "集中隔离") in here
    assert delay in not_yet


def test_reasons_in_chinese_are_separated_by_a_full_width_semicolon() -> None:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("zh"):
        text = "\n".join(status_lines(_status(), "zh", TODAY))
    with i18n.context(), i18n.use_locale("en"):
        english = "\n".join(status_lines(_status(), "en", TODAY))
    assert "您是确诊病例；您是疑似病例" in text and "; " not in text
    assert "you are a confirmed case; you are a suspected case" in english
