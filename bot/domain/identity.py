"""ID document numbers: the shape of each kind, and the check digit where the document has one.

A wrong check digit catches most typos and many made-up numbers; it cannot prove that the number is
the declarant's own, which only a document check at a checkpoint can.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum

from bot.domain.answers import IdType

# ISO 7064 MOD 11-2 as used by GB 11643-1999 (resident ID) and the numbers built like it.
_CHECK_WEIGHTS = tuple(pow(2, 17 - position, 11) for position in range(17))
_CHECK_CHARACTERS = "10X98765432"

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—]+")
_ALPHANUMERIC = re.compile(r"[A-Za-z0-9]+")
_EIGHTEEN_CHARACTER_NUMBER = re.compile(r"\d{17}[\dX]")
_FOREIGNER_PERMIT_2017 = re.compile(r"[A-Z]{3}\d{12}")
_HOME_RETURN_PERMIT = re.compile(r"[HM](\d{8}|\d{10})")
_TAIWAN_COMPATRIOT_PERMIT = re.compile(r"(\d{8}|\d{10})")
_HMT_RESIDENCE_PERMIT_PREFIXES = ("810000", "820000", "830000")


class IdNumberProblem(StrEnum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    BAD_CHARACTERS = "bad_characters"
    BAD_BIRTH_DATE = "bad_birth_date"
    BAD_CHECK_DIGIT = "bad_check_digit"
    BAD_FORMAT = "bad_format"


class InvalidIdNumber(ValueError):
    def __init__(self, code: IdNumberProblem) -> None:
        super().__init__(code)
        self.code = code


def validate_id_number(id_type: IdType, raw: str, *, today: date | None = None) -> str:
    """The number as stored (upper case, without spaces or hyphens), or InvalidIdNumber saying what is wrong.

    `today` bounds the birth date in numbers that carry one; it defaults to the local date.
    """
    number = _without_separators(raw)
    if not number:
        raise InvalidIdNumber(IdNumberProblem.TOO_SHORT)
    # Checked before upper-casing, which turns some non-ASCII letters into ASCII ones ("ß" into "SS").
    if not _ALPHANUMERIC.fullmatch(number):
        raise InvalidIdNumber(IdNumberProblem.BAD_CHARACTERS)
    number = number.upper()
    today = today or date.today()
    match id_type:
        case IdType.RESIDENT_ID:
            _check_resident_id(number, today)
        case IdType.PASSPORT:
            _check_passport(number)
        case IdType.FOREIGNER_PERMIT:
            _check_foreigner_permit(number, today)
        case IdType.HMT_PERMIT:
            _check_hmt_permit(number, today)
        case _:
            raise ValueError(f"unknown ID type {id_type!r}")
    return number


def mask_id_number(number: str) -> str:
    """Only the last four characters stay readable, enough for a person to recognise their own number."""
    visible = 4 if len(number) > 4 else 0
    return "*" * (len(number) - visible) + number[len(number) - visible :]


def check_character(first_seventeen: str) -> str:
    """The 18th character of a resident-ID-style number whose first 17 digits are given."""
    if len(first_seventeen) != 17 or not first_seventeen.isdigit():
        raise ValueError("expected 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first_seventeen, _CHECK_WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def _without_separators(raw: str) -> str:
    # NFKC turns full-width letters and digits (typed with a Chinese input method) into ASCII.
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))


def _check_length(number: str, shortest: int, longest: int) -> None:
    if len(number) < shortest:
        raise InvalidIdNumber(IdNumberProblem.TOO_SHORT)
    if len(number) > longest:
        raise InvalidIdNumber(IdNumberProblem.TOO_LONG)


def _check_eighteen_character_number(number: str, today: date) -> None:
    """Region or kind, birth date (characters 7-14), sequence and MOD 11-2 check character."""
    if not _EIGHTEEN_CHARACTER_NUMBER.fullmatch(number):
        raise InvalidIdNumber(IdNumberProblem.BAD_FORMAT)
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(IdNumberProblem.BAD_BIRTH_DATE) from None
    if born.year < 1900 or born > today:
        raise InvalidIdNumber(IdNumberProblem.BAD_BIRTH_DATE)
    if check_character(number[:17]) != number[17]:
        raise InvalidIdNumber(IdNumberProblem.BAD_CHECK_DIGIT)


def _check_resident_id(number: str, today: date) -> None:
    _check_length(number, 18, 18)
    # The first digit is the region (1 north to 8 Hong Kong/Macao/Taiwan); 9 is the foreigners' card.
    if number[0] not in "12345678":
        raise InvalidIdNumber(IdNumberProblem.BAD_FORMAT)
    _check_eighteen_character_number(number, today)


def _check_passport(number: str) -> None:
    _check_length(number, 5, 17)
    if not any(character.isdigit() for character in number):
        raise InvalidIdNumber(IdNumberProblem.BAD_FORMAT)


def _check_foreigner_permit(number: str, today: date) -> None:
    # Three kinds: the 2023 permanent residence ID card (18 characters starting with 9, built like a
    # resident ID), the 2017 card (nationality letters and 12 digits), and the residence permit
    # sticker in a passport (8 to 12 letters and digits).
    _check_length(number, 8, 18)
    if len(number) == 18:
        if number[0] != "9":
            raise InvalidIdNumber(IdNumberProblem.BAD_FORMAT)
        _check_eighteen_character_number(number, today)
    elif len(number) == 15 and _FOREIGNER_PERMIT_2017.fullmatch(number):
        return
    elif len(number) > 12 or not any(character.isdigit() for character in number):
        raise InvalidIdNumber(IdNumberProblem.BAD_FORMAT)


def _check_hmt_permit(number: str, today: date) -> None:
    # The Home Return Permit (H or M and 8 or 10 digits), the Taiwan compatriot permit (8 or 10 digits),
    # or the residence permit for Hong Kong, Macao and Taiwan residents (18 characters like a resident ID).
    _check_length(number, 8, 18)
    if len(number) == 18:
        if not number.startswith(_HMT_RESIDENCE_PERMIT_PREFIXES):
            raise InvalidIdNumber(IdNumberProblem.BAD_FORMAT)
        _check_eighteen_character_number(number, today)
    elif not (_HOME_RETURN_PERMIT.fullmatch(number) or _TAIWAN_COMPATRIOT_PERMIT.fullmatch(number)):
        raise InvalidIdNumber(IdNumberProblem.BAD_FORMAT)


# --- Names -------------------------------------------------------------------------------------------

# Letters that draw nothing (Hangul fillers, the blank Braille cell): a name of them is an invisible name
# on the staff card. U+2800 is a symbol, refused anyway; it is named here so the error says "invisible".
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# The punctuation of names in ID documents: O'Brien, Jean-Luc, J. Smith, and the middle dot of
# transliterated names (Zhang·San, 阿依古丽·买买提).
NAME_PUNCTUATION = frozenset(".'-·")
MIN_NAME_LETTERS = 2
# Marks in a row after one letter: Devanagari or Thai need two or three; more only stacks glyphs out of the line.
MAX_MARKS_IN_A_ROW = 4
# What phone keyboards type for the same punctuation (curly apostrophes, the Japanese middle dot).
_NAME_LOOKALIKES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "‐": "-", "‑": "-", "・": "·", "‧": "·", "•": "·"})


class NameProblem(StrEnum):
    DIGIT = "digit"
    SYMBOL = "symbol"  # anything but letters, marks, spaces and NAME_PUNCTUATION
    INVISIBLE = "invisible"  # a letter that draws nothing, or an invisible formatting character
    TOO_FEW_LETTERS = "too_few_letters"


class InvalidName(ValueError):
    def __init__(self, problem: NameProblem, character: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        # The first refused character, for SYMBOL and DIGIT: the error can name it.
        self.character = character


def validate_name(raw: str) -> str:
    """A person's name as it may be shown on a staff card: letters (any script), their marks, spaces and
    . ' - · only, with at least two visible letters. Returns it normalised (NFKC, single spaces).

    A name is shown to checkpoint staff under a verdict, so nothing in it may look like part of the card
    (emoji, ticks, digits) or leave it blank.
    """
    name = " ".join(unicodedata.normalize("NFKC", raw).translate(_NAME_LOOKALIKES).split())
    letters = 0
    marks_in_a_row = 0
    previous = ""
    for character in name:
        category = unicodedata.category(character)
        # Formatting, control and private-use characters draw nothing either (or something unknowable).
        if character in INVISIBLE_LETTERS or category[0] == "C" or category in ("Zl", "Zp"):
            raise InvalidName(NameProblem.INVISIBLE)
        if category.startswith("L"):
            letters += 1
            marks_in_a_row = 0
        elif category.startswith("M"):
            marks_in_a_row += 1
            # A mark belongs to a letter: alone, or stacked high, it draws over the rest of the card.
            if not previous or unicodedata.category(previous)[0] not in "LM" or marks_in_a_row > MAX_MARKS_IN_A_ROW:
                raise InvalidName(NameProblem.SYMBOL, character)
        elif category.startswith("N"):
            raise InvalidName(NameProblem.DIGIT, character)
        elif character != " " and character not in NAME_PUNCTUATION:
            raise InvalidName(NameProblem.SYMBOL, character)
        previous = character
    if letters < MIN_NAME_LETTERS:
        raise InvalidName(NameProblem.TOO_FEW_LETTERS)
    return name
