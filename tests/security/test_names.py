"""Issue 12, item 2: a name can neither spoof the staff card nor blank it.

"VALID GREEN CODE ✅✅✅" was accepted as a name and shown, in bold, under a red verdict; three Hangul
fillers made an invisible name. Names are now letters (any script), their marks, spaces and . ' - ·,
with at least two visible letters; the card shows the name on its own labelled line, never in bold.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.identity import INVISIBLE_LETTERS, NAME_PUNCTUATION, InvalidName, NameProblem, validate_name
from bot.i18n import create_i18n
from bot.registration.questions import InvalidAnswer, parse_full_name
from bot.sandbox.emulator import FakeUser
from bot.verification import presenter
from bot.verification.service import Card, Holder, Verdict
from tests.inprocess import Harness, texts

I18N = create_i18n()
ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 27)
SPOOF = "VALID GREEN CODE ✅✅✅"


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("李伟", "李伟"),
        ("José Ñúñez", "José Ñúñez"),
        ("O'Brien", "O'Brien"),
        ("O’Brien", "O'Brien"),  # a phone's curly apostrophe
        ("Jean-Luc", "Jean-Luc"),
        ("Mary  Ann", "Mary Ann"),
        ("Zhang·San", "Zhang·San"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("J. R. R. Tolkien", "J. R. R. Tolkien"),
        ("देवनागरी", "देवनागरी"),
        ("Ｊａｎｅ", "Jane"),  # full-width letters, as a Chinese keyboard may type them
    ],
)
def test_real_names_pass(raw: str, name: str) -> None:
    assert validate_name(raw) == name
    assert parse_full_name(raw, {}, TODAY) == name


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (SPOOF, NameProblem.SYMBOL),
        ("Jane ✔", NameProblem.SYMBOL),
        ("<b>Jane</b>", NameProblem.SYMBOL),
        ("R2D2", NameProblem.DIGIT),
        ("\u3164\u3164\u3164", NameProblem.INVISIBLE),
        ("\u115f\u1160", NameProblem.INVISIBLE),
        ("\uffa0\uffa0 Jo", NameProblem.INVISIBLE),
        ("\u2800\u2800", NameProblem.INVISIBLE),
        ("Ja\u200bne", NameProblem.INVISIBLE),
        ("Jane\u202eDoe", NameProblem.INVISIBLE),
        ("J", NameProblem.TOO_FEW_LETTERS),
        ("J.-'·", NameProblem.TOO_FEW_LETTERS),
        ("\u0301\u0301ab", NameProblem.SYMBOL),  # marks with no letter to sit on
        ("Za\u0336\u0337\u0338\u0336\u0337lgo", NameProblem.SYMBOL),  # marks stacked above the line
    ],
)
def test_spoofing_and_blank_names_are_refused(raw: str, problem: NameProblem) -> None:
    with pytest.raises(InvalidName) as refused:
        validate_name(raw)
    assert refused.value.problem is problem
    with I18N.context(), I18N.use_locale("en"), pytest.raises(InvalidAnswer):
        parse_full_name(raw, {}, TODAY)


# Letters that stay letters under NFKC (a few become a letter and a mark, checked separately above), and
# not ŉ, whose NFKC form starts with the modifier apostrophe ʼ that a name takes as its own ' (so "Aŉ"
# joined by ' would split in the wrong place).
_LETTER = st.characters(categories=("Lu", "Ll", "Lo"), exclude_characters="".join(INVISIBLE_LETTERS)).filter(
    lambda letter: (
        all(unicodedata.category(ch)[0] == "L" for ch in unicodedata.normalize("NFKC", letter))
        and not (INVISIBLE_LETTERS | {"ʼ"}) & set(unicodedata.normalize("NFKC", letter))
    )
)


@given(st.lists(st.text(_LETTER, min_size=2, max_size=8), min_size=1, max_size=4), st.sampled_from(" -'·."))
def test_words_of_letters_joined_by_name_punctuation_pass(words: list[str], joiner: str) -> None:
    name = validate_name(joiner.join(words))
    assert name.split(joiner if joiner != " " else None) == [unicodedata.normalize("NFKC", word) for word in words]


@given(st.text(max_size=30))
def test_whatever_passes_is_only_letters_marks_spaces_and_name_punctuation(raw: str) -> None:
    try:
        name = validate_name(raw)
    except InvalidName:
        return
    assert not INVISIBLE_LETTERS & set(name)
    assert sum(unicodedata.category(ch).startswith("L") for ch in name) >= 2
    for character in name:
        assert unicodedata.category(character)[0] in "LM" or character == " " or character in NAME_PUNCTUATION


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", "leave out “✅”"), ("zh", "✅")],
)
def test_the_error_is_translated_and_names_what_to_leave_out(locale: str, words: str) -> None:
    with I18N.context(), I18N.use_locale(locale), pytest.raises(InvalidAnswer) as refused:
        parse_full_name(SPOOF, {}, TODAY)
    assert words in refused.value.message
    if locale == "zh":
        assert "姓名" in refused.value.message


async def test_the_form_explains_and_asks_for_the_name_again(harness: Harness) -> None:
    person = FakeUser(id=30, first_name="Pat", language_code="en")
    await harness.add_account(person)
    [question] = texts(await harness.send(person, "/start"))
    assert "full name" in question
    [again] = texts(await harness.send(person, "\u3164\u3164\u3164"))
    assert again.startswith("⚠️ That name has invisible or blank characters")
    assert again.endswith(question)


def _card(name: str, colour: str, locale: str) -> str:
    holder = Holder(user_id=1, name=name, id_last4="5678", colour=colour, last_checkin=None)
    card = Card(1, Verdict.VALID, holder, datetime(2026, 11, 28, tzinfo=UTC))
    with I18N.context(), I18N.use_locale(locale):
        return presenter.card_text(card, locale, ZONE)


@pytest.mark.parametrize(("locale", "label"), [("en", "Name: "), ("zh", "姓名：")])
def test_a_name_stored_before_the_rule_cannot_pass_for_the_verdict(locale: str, label: str) -> None:
    text = _card(SPOOF, "red", locale)
    lines = text.split("\n")
    assert lines[0] == "<b>⛔ DO NOT PASS · 不予通行 — RED CODE 红码</b>"
    [name_line] = [line for line in lines if SPOOF in line]
    assert name_line == label + SPOOF, "its own labelled line, not in bold like the verdict"
    assert lines.index(name_line) > 1


@pytest.mark.parametrize(("locale", "label"), [("en", "Name: "), ("zh", "姓名：")])
def test_an_invisible_stored_name_shows_as_a_dash(locale: str, label: str) -> None:
    assert label + "—" in _card("\u3164\u3164\u3164", "green", locale).split("\n")
