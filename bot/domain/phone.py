"""Phone numbers, stored in E.164 so the same number typed two ways is one number."""

from __future__ import annotations

import re

import phonenumbers

# Longer input is no phone number, and phonenumbers' work grows with it.
_MAX_INPUT_LENGTH = 40
_DIGITS_AND_SEPARATORS = re.compile(r"[\d\s\-().]+")


class InvalidPhone(ValueError):
    pass


def normalise_phone(raw: str, default_region: str = "CN") -> str:
    """`raw` in E.164 (e.g. +8613800138000); numbers without a country code are read as `default_region`'s.

    Raises InvalidPhone unless phonenumbers knows the number as a valid one (right length and range).
    """
    text = raw.strip()
    if not text or len(text) > _MAX_INPUT_LENGTH:
        raise InvalidPhone(raw)
    number = _valid_number(text, default_region)
    if number is None and _DIGITS_AND_SEPARATORS.fullmatch(text) and not text.startswith("0"):
        # Telegram shares a contact's number in international form but without the plus
        # ("447400123456"), which reads as an invalid national number of the default region.
        number = _valid_number("+" + text, default_region)
    if number is None:
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _valid_number(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None
