"""Body temperature as typed: Celsius or Fahrenheit, ASCII or full-width, point or comma.

Only parsing lives here; what counts as a fever is in the rules file.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

# The rules count this or more as a fever; checkpoint staff's "fever" button stores exactly this.
FEVER_C = 37.3
LOWEST_PLAUSIBLE_C = Decimal("34.0")
HIGHEST_PLAUSIBLE_C = Decimal("43.0")
# A bare number in this range cannot be a living body's Celsius temperature, but is a normal Fahrenheit one.
_BARE_FAHRENHEIT = (Decimal(90), Decimal(110))
_FAHRENHEIT_UNITS = frozenset({"°f", "f", "华氏度", "華氏度"})

# NFKC has already turned "℃"/"℉" into "°C"/"°F" and full-width digits into ASCII.
_TEMPERATURE = re.compile(
    r"(?P<value>\d{1,3}(?:[.,]\d{1,3})?)\s*(?P<unit>°\s*c|°\s*f|c|f|°|度|摄氏度|攝氏度|华氏度|華氏度)?",
    re.IGNORECASE | re.ASCII,
)
# Decimal marks a Chinese input method produces that NFKC leaves alone.
_DECIMAL_MARKS = str.maketrans({"。": ".", "、": ",", "・": "."})


class TemperatureProblem(StrEnum):
    NOT_A_NUMBER = "not_a_number"
    IMPLAUSIBLE = "implausible"


class InvalidTemperature(ValueError):
    def __init__(self, code: TemperatureProblem) -> None:
        super().__init__(code)
        self.code = code


def parse_temperature(raw: str) -> float:
    """Degrees Celsius rounded to one decimal; raises InvalidTemperature.

    Accepts "36.6", "36,6", "36.6C", "36.6 °C", "36.6℃", "３６．６", "97.9F", "97.9℉"; a bare number
    from 90 to 110 is read as Fahrenheit.
    """
    text = unicodedata.normalize("NFKC", raw).translate(_DECIMAL_MARKS).strip()
    match = _TEMPERATURE.fullmatch(text)
    if match is None:
        raise InvalidTemperature(TemperatureProblem.NOT_A_NUMBER)
    value = Decimal(match["value"].replace(",", "."))
    unit = (match["unit"] or "").replace(" ", "").lower()
    if unit in _FAHRENHEIT_UNITS or (unit in ("", "°") and _BARE_FAHRENHEIT[0] <= value <= _BARE_FAHRENHEIT[1]):
        value = (value - 32) * 5 / 9
    # Half up, as a thermometer's display does; binary floats would round 37.25 down to 37.2.
    celsius = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if not LOWEST_PLAUSIBLE_C <= celsius <= HIGHEST_PLAUSIBLE_C:
        raise InvalidTemperature(TemperatureProblem.IMPLAUSIBLE)
    return float(celsius)
