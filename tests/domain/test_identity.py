"""ID numbers per document type: shape, birth date and the ISO 7064 MOD 11-2 check character."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.answers import IdType
from bot.domain.identity import IdNumberProblem, InvalidIdNumber, mask_id_number, validate_id_number

TODAY = date(2020, 2, 19)

# Written out here rather than imported, so the test does not check the code against itself.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check(first_seventeen: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first_seventeen, WEIGHTS, strict=True))
    return first_seventeen + "10X98765432"[total % 11]


def valid(id_type: IdType, raw: str) -> str:
    return validate_id_number(id_type, raw, today=TODAY)


def problem(id_type: IdType, raw: str) -> IdNumberProblem:
    with pytest.raises(InvalidIdNumber) as raised:
        validate_id_number(id_type, raw, today=TODAY)
    return raised.value.code


# --- Resident ID -----------------------------------------------------------------------------------

PUBLIC_EXAMPLE = "11010519491231002X"


def test_the_public_example_is_valid_and_its_check_character_is_x() -> None:
    assert with_check(PUBLIC_EXAMPLE[:17]) == PUBLIC_EXAMPLE
    assert valid(IdType.RESIDENT_ID, PUBLIC_EXAMPLE) == PUBLIC_EXAMPLE


@pytest.mark.parametrize(
    "raw",
    ["11010519491231002x", "110105 19491231 002X", "110105-19491231-002X", "１１０１０５１９４９１２３１００２Ｘ"],
)
def test_a_resident_id_is_normalised(raw: str) -> None:
    assert valid(IdType.RESIDENT_ID, raw) == PUBLIC_EXAMPLE


@pytest.mark.parametrize(
    "first_seventeen", ["33020419800101001", "33028119991231123", "44030420000229456", "81000019900101001"]
)
def test_computed_resident_ids_are_valid(first_seventeen: str) -> None:
    number = with_check(first_seventeen)

    assert valid(IdType.RESIDENT_ID, number) == number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002", IdNumberProblem.TOO_SHORT),
        ("11010519491231002X1", IdNumberProblem.TOO_LONG),
        ("110105194912310021", IdNumberProblem.BAD_CHECK_DIGIT),
        ("11010519491231002Y", IdNumberProblem.BAD_FORMAT),
        ("X1010519491231002X", IdNumberProblem.BAD_FORMAT),
        ("1101051949123100*X", IdNumberProblem.BAD_CHARACTERS),
        ("", IdNumberProblem.TOO_SHORT),
        (" - ", IdNumberProblem.TOO_SHORT),
        (with_check("01010519491231002"), IdNumberProblem.BAD_FORMAT),
        (with_check("91010519491231002"), IdNumberProblem.BAD_FORMAT),
        (with_check("11010519491331002"), IdNumberProblem.BAD_BIRTH_DATE),
        (with_check("33020419990229001"), IdNumberProblem.BAD_BIRTH_DATE),
        (with_check("33020418991231001"), IdNumberProblem.BAD_BIRTH_DATE),
        (with_check("33020420200220001"), IdNumberProblem.BAD_BIRTH_DATE),  # the day after TODAY
    ],
)
def test_invalid_resident_ids_say_what_is_wrong(raw: str, expected: IdNumberProblem) -> None:
    assert problem(IdType.RESIDENT_ID, raw) == expected


def test_a_birth_date_today_is_possible() -> None:
    number = with_check("33020420200219001")

    assert valid(IdType.RESIDENT_ID, number) == number


resident_ids = st.builds(
    lambda region, born, sequence: with_check(f"{region}{born:%Y%m%d}{sequence:03d}"),
    st.integers(100000, 899999).map(str),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.integers(0, 999),
)


@given(resident_ids)
def test_every_resident_id_with_its_check_character_passes(number: str) -> None:
    assert valid(IdType.RESIDENT_ID, number) == number


@given(resident_ids, st.integers(0, 17), st.integers(1, 9))
def test_changing_one_character_of_a_resident_id_is_caught(number: str, position: int, shift: int) -> None:
    if position == 17:
        alphabet = "0123456789X"
        replacement = alphabet[(alphabet.index(number[17]) + shift) % len(alphabet)]
    else:
        replacement = str((int(number[position]) + shift) % 10)
    changed = number[:position] + replacement + number[position + 1 :]

    code = problem(IdType.RESIDENT_ID, changed)

    if position == 0 or 6 <= position < 14:
        assert code in {IdNumberProblem.BAD_FORMAT, IdNumberProblem.BAD_BIRTH_DATE, IdNumberProblem.BAD_CHECK_DIGIT}
    else:
        assert code == IdNumberProblem.BAD_CHECK_DIGIT


# --- Passport --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("E12345678", "E12345678"),
        ("g1234567", "G1234567"),
        ("AB 123 45", "AB12345"),
        ("12345", "12345"),
        ("C" + "1" * 16, "C" + "1" * 16),
    ],
)
def test_valid_passport_numbers(raw: str, expected: str) -> None:
    assert valid(IdType.PASSPORT, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("E123", IdNumberProblem.TOO_SHORT),
        ("E" + "1" * 17, IdNumberProblem.TOO_LONG),
        ("ABCDEFG", IdNumberProblem.BAD_FORMAT),
        ("E1234567!", IdNumberProblem.BAD_CHARACTERS),
        ("É1234567", IdNumberProblem.BAD_CHARACTERS),
        ("ß1234567", IdNumberProblem.BAD_CHARACTERS),
        ("E12345\n678", "E12345678"),
    ],
)
def test_invalid_passport_numbers(raw: str, expected: IdNumberProblem | str) -> None:
    if isinstance(expected, IdNumberProblem):
        assert problem(IdType.PASSPORT, raw) == expected
    else:
        assert valid(IdType.PASSPORT, raw) == expected


# --- Foreigner permits -----------------------------------------------------------------------------

# 2023 permanent residence ID: 9, province, nationality number, birth date, sequence, check character.
PERMANENT_RESIDENCE_2023 = with_check("93182619900101001")


@pytest.mark.parametrize(
    "raw",
    [PERMANENT_RESIDENCE_2023, "GBR310085012345", "usa310085012345", "E12345678", "A1234567", "AB1234567890"],
)
def test_valid_foreigner_permit_numbers(raw: str) -> None:
    assert valid(IdType.FOREIGNER_PERMIT, raw) == raw.upper()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A123456", IdNumberProblem.TOO_SHORT),
        ("9" * 19, IdNumberProblem.TOO_LONG),
        (
            PERMANENT_RESIDENCE_2023[:17] + ("0" if PERMANENT_RESIDENCE_2023[17] != "0" else "1"),
            IdNumberProblem.BAD_CHECK_DIGIT,
        ),
        (with_check("93182619901301001"), IdNumberProblem.BAD_BIRTH_DATE),
        (PUBLIC_EXAMPLE, IdNumberProblem.BAD_FORMAT),  # a resident ID is not a foreigner's card
        ("GB3100850123456", IdNumberProblem.BAD_FORMAT),
        ("ABCDEFGHI", IdNumberProblem.BAD_FORMAT),
        ("A123456789012", IdNumberProblem.BAD_FORMAT),
        ("A1234 567#", IdNumberProblem.BAD_CHARACTERS),
    ],
)
def test_invalid_foreigner_permit_numbers(raw: str, expected: IdNumberProblem) -> None:
    assert problem(IdType.FOREIGNER_PERMIT, raw) == expected


# --- Hong Kong, Macao and Taiwan permits -----------------------------------------------------------

HMT_RESIDENCE = [with_check(f"{prefix}19900101123") for prefix in ("810000", "820000", "830000")]


@pytest.mark.parametrize("raw", ["H12345678", "M1234567890", "h12345678", "12345678", "1234567890", *HMT_RESIDENCE])
def test_valid_hmt_permit_numbers(raw: str) -> None:
    assert valid(IdType.HMT_PERMIT, raw) == raw.upper()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("H123456", IdNumberProblem.TOO_SHORT),
        ("8" * 19, IdNumberProblem.TOO_LONG),
        ("H1234567", IdNumberProblem.BAD_FORMAT),
        ("H123456789", IdNumberProblem.BAD_FORMAT),
        ("A12345678", IdNumberProblem.BAD_FORMAT),
        ("123456789", IdNumberProblem.BAD_FORMAT),
        (PUBLIC_EXAMPLE, IdNumberProblem.BAD_FORMAT),
        (HMT_RESIDENCE[0][:17] + ("0" if HMT_RESIDENCE[0][17] != "0" else "1"), IdNumberProblem.BAD_CHECK_DIGIT),
        (with_check("81000019900230123"), IdNumberProblem.BAD_BIRTH_DATE),
        ("H1234.5678", IdNumberProblem.BAD_CHARACTERS),
    ],
)
def test_invalid_hmt_permit_numbers(raw: str, expected: IdNumberProblem) -> None:
    assert problem(IdType.HMT_PERMIT, raw) == expected


# --- Masking ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        (PUBLIC_EXAMPLE, "**************002X"),
        ("E12345678", "*****5678"),
        ("E1234", "*1234"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_only_the_last_four_characters_stay_visible(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked


def test_today_defaults_to_the_real_date() -> None:
    assert validate_id_number(IdType.RESIDENT_ID, PUBLIC_EXAMPLE) == PUBLIC_EXAMPLE
