"""Phone numbers to E.164, valid numbers only."""

from __future__ import annotations

import phonenumbers
import pytest

from bot.domain.phone import InvalidPhone, normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 138 0013 8000", "+8613800138000"),
        ("13800138000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("+86 (574) 8722 1234", "+8657487221234"),
        ("+44 7400 123456", "+447400123456"),
        ("+1 650 253 0000", "+16502530000"),
        # As Telegram shares a contact: international, without the plus.
        ("8613800138000", "+8613800138000"),
        ("447400123456", "+447400123456"),
    ],
)
def test_valid_numbers_come_out_in_e164(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


def test_a_national_number_is_read_in_the_given_region() -> None:
    assert normalise_phone("07400 123456", default_region="GB") == "+447400123456"


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
