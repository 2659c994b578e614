"""Phone numbers to E.164, valid numbers only; without a country code, only a Chinese mobile number."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.phone import (
    InvalidPhone,
    NeedsCountryCode,
    calling_code,
    format_international,
    normalise_phone,
    shared_phone,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 138 0013 8000", "+8613800138000"),
        ("13800138000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("+86 (574) 8722 1234", "+8657487221234"),
        ("+44 7400 123456", "+447400123456"),
        ("+1 650 253 0000", "+16502530000"),
        ("0049 151 12345678", "+4915112345678"),
        ("8613800138000", "+8613800138000"),
    ],
)
def test_valid_numbers_come_out_in_e164(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "regions", "candidates"),
    [
        # A German mobile written the German way: phonenumbers alone would make it the Chinese 151 1234 5678.
        ("0151 12345678", ["DE"], (("DE", "+4915112345678"),)),
        ("4155552671", ["US"], (("US", "+14155552671"),)),
        ("4155552671", [], ()),
        # As Telegram shows a number: international without the plus; the nationality's reading first.
        ("447400123456", [], ((None, "+447400123456"),)),
        ("07400 123456", ["GB", "DE"], (("GB", "+447400123456"), ("DE", "+497400123456"))),
        # A Chinese landline is no mobile: its country is asked too.
        ("0574 8722 1234", ["CN"], (("CN", "+8657487221234"),)),
    ],
)
def test_digits_without_a_country_code_that_are_no_chinese_mobile_ask_for_the_country(
    raw: str, regions: list[str], candidates: tuple
) -> None:
    with pytest.raises(NeedsCountryCode) as asked:
        normalise_phone(raw, regions)
    assert asked.value.candidates == candidates


def test_a_number_telegram_shares_is_international_with_or_without_the_plus() -> None:
    assert shared_phone("447400123456") == "+447400123456"
    assert shared_phone("+8613800138000") == "+8613800138000"
    with pytest.raises(InvalidPhone):
        shared_phone("12345")


def test_the_international_format_is_what_people_read() -> None:
    assert format_international("+4915112345678") == "+49 1511 2345678"
    assert format_international("+8613800138000") == "+86 138 0013 8000"
    assert format_international("not a number") == "not a number"
    assert (calling_code("de"), calling_code("CN"), calling_code("ZZ")) == (49, 86, None)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_without_a_country_code_only_a_valid_chinese_mobile_is_taken(digits: str) -> None:
    number = phonenumbers.parse(digits, "CN")
    if phonenumbers.is_valid_number(number):
        assert normalise_phone(digits) == "+86" + digits
        with pytest.raises(NeedsCountryCode):
            normalise_phone("0" + digits), "a leading 0 is no way to write a Chinese mobile"
    else:
        with pytest.raises(InvalidPhone):
            normalise_phone(digits)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "hello",
        "12345",
        "+86 138",
        "+44 7700 900123",  # a range reserved for drama, never assigned
        "+999 123 456 789",
        "1" * 41,
        "+86 138 0013 8000 ext. 12345678901234567890",
    ],
)
def test_invalid_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_phone(raw)


@pytest.mark.parametrize("region", ["CN", "HK", "TW", "GB", "US", "DE", "FR", "JP", "KR", "IN", "RU", "NG", "BR"])
def test_every_region_s_example_mobile_number_is_accepted_and_stable(region: str) -> None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    international = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

    assert normalise_phone(international) == e164
    assert normalise_phone(e164) == e164
