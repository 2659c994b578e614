"""Temperatures as people type them, to Celsius with one decimal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.temperature import InvalidTemperature, TemperatureProblem, parse_temperature


@pytest.mark.parametrize(
    "raw",
    [
        "36.6",
        "36,6",
        " 36.6 ",
        "36.6C",
        "36.6c",
        "36.6 °C",
        "36.6°c",
        "36.6℃",
        "36.6 ℃",
        "36.6度",
        "３６．６",
        "３６，６",
        "36。6",
        "36.60",
        "97.9F",
        "97.9f",
        "97.9 °F",
        "97.9℉",
        "97.9",
        "９７．９℉",
    ],
)
def test_ways_of_writing_36_6(raw: str) -> None:
    assert parse_temperature(raw) == 36.6


@pytest.mark.parametrize(
    ("raw", "celsius"),
    [("37", 37.0), ("37.25", 37.3), ("37.24", 37.2), ("98.6", 37.0), ("99.1F", 37.3), ("34", 34.0), ("43", 43.0)],
)
def test_rounding_to_one_decimal_half_up(raw: str, celsius: float) -> None:
    assert parse_temperature(raw) == celsius


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", TemperatureProblem.NOT_A_NUMBER),
        ("warm", TemperatureProblem.NOT_A_NUMBER),
        ("36.6.6", TemperatureProblem.NOT_A_NUMBER),
        ("-36.6", TemperatureProblem.NOT_A_NUMBER),
        ("1e2", TemperatureProblem.NOT_A_NUMBER),
        ("nan", TemperatureProblem.NOT_A_NUMBER),
        ("inf", TemperatureProblem.NOT_A_NUMBER),
        ("36.6K", TemperatureProblem.NOT_A_NUMBER),
        ("36.6 CC", TemperatureProblem.NOT_A_NUMBER),
        ("3" * 500, TemperatureProblem.NOT_A_NUMBER),
        ("33.9", TemperatureProblem.IMPLAUSIBLE),
        ("43.1", TemperatureProblem.IMPLAUSIBLE),
        ("0", TemperatureProblem.IMPLAUSIBLE),
        ("89", TemperatureProblem.IMPLAUSIBLE),  # neither a body's Celsius nor (below 90) read as Fahrenheit
        ("111", TemperatureProblem.IMPLAUSIBLE),
        ("120F", TemperatureProblem.IMPLAUSIBLE),
        ("36.6F", TemperatureProblem.IMPLAUSIBLE),
        ("97.9C", TemperatureProblem.IMPLAUSIBLE),
    ],
)
def test_what_is_not_a_body_temperature_is_refused(raw: str, expected: TemperatureProblem) -> None:
    with pytest.raises(InvalidTemperature) as raised:
        parse_temperature(raw)

    assert raised.value.code == expected


tenths_of_a_degree = st.integers(340, 430)


@given(tenths_of_a_degree, st.sampled_from(["{}", "{} °C", "{}℃", "{}C"]), st.sampled_from([".", ","]))
def test_any_plausible_celsius_reading_comes_back_unchanged(tenths: int, template: str, mark: str) -> None:
    typed = template.format(f"{tenths // 10}{mark}{tenths % 10}")

    assert parse_temperature(typed) == tenths / 10


@given(st.integers(934, 1094))
def test_fahrenheit_is_converted(tenths_fahrenheit: int) -> None:
    fahrenheit = tenths_fahrenheit / 10
    celsius = (fahrenheit - 32) * 5 / 9

    assert abs(parse_temperature(f"{fahrenheit}F") - celsius) <= 0.05 + 1e-9
