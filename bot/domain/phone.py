"""Phone numbers, stored in E.164 so the same number typed two ways is one number.

The people this is for are mostly foreigners, who write their own numbers the way their country does
("0151 12345678" in Germany). Digits without a country code are therefore taken only when they are a
valid Chinese mobile number; anything else is not guessed at: the country is asked, with the number as
the person's nationality would read it offered first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

# Longer input is no phone number, and phonenumbers' work grows with it.
_MAX_INPUT_LENGTH = 40
_DIGITS_AND_SEPARATORS = re.compile(r"[\d\s\-().]+")
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
HOME_REGION = "CN"


class InvalidPhone(ValueError):
    pass


class NeedsCountryCode(InvalidPhone):
    """Digits without a country code that are no Chinese mobile number: the country has to be asked.

    `candidates` are the valid numbers they could be, in E.164, the likeliest first (as the regions asked
    about read them, then as an international number missing only its plus).
    """

    def __init__(self, raw: str, candidates: tuple[tuple[str | None, str], ...]) -> None:
        super().__init__(raw)
        # (region, E.164): the region whose national number it is, None for the plus-less reading.
        self.candidates = candidates


def normalise_phone(raw: str, regions: Iterable[str] = ()) -> str:
    """`raw` in E.164 (e.g. +8613800138000).

    With a `+` (or `00`) it is read as international; without, only a valid Chinese mobile number is
    taken. Raises NeedsCountryCode for other digits (with what they could be in `regions`, in that
    order), InvalidPhone for anything that is no valid number at all.
    """
    text = raw.strip()
    if not text or len(text) > _MAX_INPUT_LENGTH:
        raise InvalidPhone(raw)
    if text.startswith("00") and _DIGITS_AND_SEPARATORS.fullmatch(text):
        text = "+" + text[2:]
    if text.startswith("+"):
        number = _valid_number(text, HOME_REGION)
        if number is None:
            raise InvalidPhone(raw)
        return _e164(number)
    if not _DIGITS_AND_SEPARATORS.fullmatch(text):
        raise InvalidPhone(raw)
    home = _valid_number(text, HOME_REGION)
    if home is not None and _is_chinese_mobile_as_written(home, text):
        return _e164(home)
    candidates: list[tuple[str | None, str]] = []
    for region in dict.fromkeys(region.upper() for region in regions):
        number = _valid_number(text, region)
        if number is not None and number.country_code == phonenumbers.country_code_for_region(region):
            candidates.append((region, _e164(number)))
    if not text.startswith("0") and (number := _valid_number("+" + text, HOME_REGION)) is not None:
        # Typed as Telegram shows numbers: international, without the plus ("447400123456").
        candidates.append((None, _e164(number)))
    candidates = [item for index, item in enumerate(candidates) if item[1] not in {c[1] for c in candidates[:index]}]
    if not candidates and not _looks_like_a_number(text):
        raise InvalidPhone(raw)
    raise NeedsCountryCode(raw, tuple(candidates))


def shared_phone(raw: str) -> str:
    """A number Telegram shared from the account: always international, with or without the plus."""
    text = raw.strip()
    if not text or len(text) > _MAX_INPUT_LENGTH:
        raise InvalidPhone(raw)
    number = _valid_number(text if text.startswith("+") else "+" + text, HOME_REGION)
    if number is None:
        raise InvalidPhone(raw)
    return _e164(number)


def format_international(e164: str) -> str:
    """A stored number as people read it, with the country code: "+49 151 12345678"."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def calling_code(region: str) -> int | None:
    """The country calling code of an ISO 3166-1 region (49 for DE); None for one without a telephone plan."""
    return phonenumbers.country_code_for_region(region.upper()) or None


def _is_chinese_mobile_as_written(number: phonenumbers.PhoneNumber, text: str) -> bool:
    """A Chinese mobile number written as the Chinese write it: its 11 digits, perhaps after 86.

    phonenumbers drops a leading 0 as China's trunk prefix, which would make a German "0151 12345678"
    the Chinese mobile 151 1234 5678; nobody in China writes a mobile number with a 0 in front.
    """
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return False
    digits = re.sub(r"\D", "", text)
    national = str(number.national_number)
    return digits in {national, "86" + national}


def _looks_like_a_number(text: str) -> bool:
    # Enough digits to be some country's national number: worth asking for its country code.
    return 6 <= sum(ch.isdigit() for ch in text) <= 17


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _valid_number(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None
