"""The form's order and answer parsing, without Telegram: what comes next, what Back does, what an edit clears."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.utils.i18n import I18n

from bot.i18n import create_i18n
from bot.registration.questions import (
    QUESTIONS,
    QUESTIONS_BY_KEY,
    InvalidAnswer,
    first_question,
    missing_questions,
    next_question,
    parse_address,
    parse_arrival_date,
    parse_full_name,
    parse_phone,
    parse_shared_phone,
    previous_question,
    record_answer,
)

TODAY = date(2026, 11, 27)
COMPLETE = {
    "full_name": "Jane Doe",
    "nationality": "GB",
    "id_type": "passport",
    "id_number": "E12345678",
    "phone": "+8613800138000",
    "district": "yinzhou",
    "address": "1 Road",
    "in_ningbo": True,
    "places": [],
    "contacts": [],
    "own_status": "none",
    "symptoms": [],
    "temperature_c": 36.6,
}


@pytest.fixture(autouse=True)
def english() -> I18n:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("en"):
        yield i18n


def keys(questions) -> list[str]:
    return [question.key for question in questions]


def test_a_new_form_walks_every_question_but_the_arrival_date_for_people_in_ningbo() -> None:
    answers: dict = {}
    walked = []
    question = first_question(answers)
    while question is not None:
        walked.append(question.key)
        answers = record_answer(question, answers, COMPLETE.get(question.key, "2026-12-01"))
        question = next_question(question, answers, editing=False)
    assert walked == [key for key in keys(QUESTIONS) if key != "arrival_date"]
    assert not missing_questions(answers)


def test_arriving_later_asks_the_date_and_changing_it_back_drops_the_date() -> None:
    answers = record_answer(QUESTIONS_BY_KEY["in_ningbo"], dict(COMPLETE), False)
    assert keys(missing_questions(answers)) == ["arrival_date"]
    answers = record_answer(QUESTIONS_BY_KEY["arrival_date"], answers, "2026-12-01")
    assert previous_question(QUESTIONS_BY_KEY["places"], answers).key == "arrival_date"
    answers = record_answer(QUESTIONS_BY_KEY["in_ningbo"], answers, True)
    assert "arrival_date" not in answers
    assert previous_question(QUESTIONS_BY_KEY["places"], answers).key == "in_ningbo"


def test_editing_the_document_type_asks_the_number_again_then_returns_to_the_summary() -> None:
    answers = record_answer(QUESTIONS_BY_KEY["id_type"], dict(COMPLETE), "resident_id")
    after_type = next_question(QUESTIONS_BY_KEY["id_type"], answers, editing=True)
    assert after_type.key == "id_number"
    answers = record_answer(after_type, answers, "11010519491231002X")
    assert next_question(after_type, answers, editing=True) is None


def test_the_same_document_type_keeps_the_number() -> None:
    answers = record_answer(QUESTIONS_BY_KEY["id_type"], dict(COMPLETE), "passport")
    assert answers["id_number"] == "E12345678"


def test_back_from_the_first_question_has_nowhere_to_go() -> None:
    assert previous_question(QUESTIONS[0], {}) is None


@pytest.mark.parametrize("raw", ["R2D2", "", "  ", "x", "a" * 101, "Jane\u202eDoe", "!!!"])
def test_names_that_are_refused(raw: str) -> None:
    with pytest.raises(InvalidAnswer):
        parse_full_name(raw, {}, TODAY)


@pytest.mark.parametrize(
    ("raw", "name"), [("  Jane   Doe ", "Jane Doe"), ("李小龙", "李小龙"), ("Zoë O'Neil-Smith", "Zoë O'Neil-Smith")]
)
def test_names_that_are_accepted(raw: str, name: str) -> None:
    assert parse_full_name(raw, {}, TODAY) == name


def test_an_address_needs_letters() -> None:
    with pytest.raises(InvalidAnswer):
        parse_address("12345", {}, TODAY)
    assert parse_address("海曙区中山西路 1 号", {}, TODAY) == "海曙区中山西路 1 号"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-01", "2026-12-01"),
        ("2026/12/1", "2026-12-01"),
        ("12月1日", "2026-12-01"),
        ("2027年1月3号", "2027-01-03"),
        ("2026-11-27", "2026-11-27"),
        ("１２月１日", "2026-12-01"),
        ("1 Dec", "2026-12-01"),
        ("Dec 1", "2026-12-01"),
        ("1/12/2026", "2026-12-01"),  # 12 January 2026 has passed: only one reading is left
        ("12/25", "2026-12-25"),
    ],
)
def test_arrival_dates_that_are_accepted(raw: str, expected: str) -> None:
    assert parse_arrival_date(raw, {}, TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("2026-11-26", "has passed"),
        ("2026-02-30", "does not exist"),
        ("2026-11-31", "does not exist"),
        ("13月1日", "does not exist"),
        ("tomorrow", "as 2026-03-01"),
        ("2027-12-01", "too far ahead"),
    ],
)
def test_arrival_dates_that_are_refused_say_why(raw: str, why: str) -> None:
    with pytest.raises(InvalidAnswer) as refused:
        parse_arrival_date(raw, {}, TODAY)
    assert why in refused.value.message


def test_a_day_that_next_year_lacks_is_refused_not_crashed_on() -> None:
    with pytest.raises(InvalidAnswer):
        parse_arrival_date("2月29日", {}, date(2028, 3, 1))


def test_a_choice_typed_as_its_button_reads_is_that_choice(english: I18n) -> None:
    id_type = QUESTIONS_BY_KEY["id_type"]
    assert id_type.typed_option("passport").value == "passport"
    assert id_type.typed_option(" Passport! ").value == "passport"
    assert id_type.typed_option("a passport please") is None
    assert id_type.typed_option("🙂") is None
    assert QUESTIONS_BY_KEY["places"].typed_option("Abroad") is None, "a multiple choice is ticked with buttons"
    with english.use_locale("zh"):
        assert id_type.typed_option("护照").value == "passport"
        assert id_type.typed_option("passport") is None, "the labels the person sees, in their language"


@pytest.mark.parametrize("raw", ["13800138000", "138 0013 8000", "+49 151 12345678", "0044 7400 123456"])
def test_a_chinese_mobile_or_a_number_with_its_country_code_is_taken(raw: str) -> None:
    assert parse_phone(raw, {"nationality": "DE"}, TODAY).startswith("+")


def test_a_number_without_a_country_code_offers_the_nationality_s_reading_first(english: I18n) -> None:
    with pytest.raises(InvalidAnswer) as asked:
        parse_phone("0151 12345678", {"nationality": "DE"}, TODAY)
    assert asked.value.suggestions == ("+49 1511 2345678",)
    assert "If it is from your country (Germany), press +49 1511 2345678 below" in asked.value.message
    with english.use_locale("zh"):
        with pytest.raises(InvalidAnswer) as asked:
            parse_phone("0151 12345678", {"nationality": "DE"}, TODAY)
        assert "德国" in asked.value.message and "+49 1511 2345678" in asked.value.message


def test_a_number_no_country_reads_asks_for_the_code_of_the_nationality(english: I18n) -> None:
    with pytest.raises(InvalidAnswer) as asked:
        parse_phone("4155552671", {"nationality": "FR"}, TODAY)
    assert asked.value.suggestions == ()
    assert "+33 for France" in asked.value.message
    with pytest.raises(InvalidAnswer) as asked:
        parse_phone("4155552671", {"nationality": "US"}, TODAY)
    assert asked.value.suggestions == ("+1 415-555-2671",), "never silently a Chinese number"
    with pytest.raises(InvalidAnswer) as asked:
        parse_phone("447400123456", {"nationality": "CN"}, TODAY)
    assert asked.value.suggestions == ("+44 7400 123456",)
    assert "Did you mean +44 7400 123456?" in asked.value.message


def test_the_shared_number_is_read_as_international() -> None:
    assert parse_shared_phone("447400123456") == "+447400123456"
    with pytest.raises(InvalidAnswer):
        parse_shared_phone("12")


def test_the_summary_shows_the_number_in_international_format(english: I18n) -> None:
    from bot.registration.presenter import summary_text

    text = summary_text({**COMPLETE, "phone": "+4915112345678"}, "en")
    assert "+49 1511 2345678" in text and "+4915112345678" not in text


def test_an_ambiguous_day_and_month_are_asked_not_guessed(english: I18n) -> None:
    with pytest.raises(InvalidAnswer) as asked:
        parse_arrival_date("2/12", {}, TODAY)
    assert asked.value.suggestions == ("2026-12-02", "2027-02-12")
    assert asked.value.message == "Did you mean December 2, 2026 or February 12, 2027? Press the one you mean."
    from bot.registration.keyboards import question_keyboard
    from bot.registration.questions import WizardData

    keyboard = question_keyboard(QUESTIONS_BY_KEY["arrival_date"], WizardData(), TODAY, "en", asked.value.suggestions)
    assert [row[0].text for row in keyboard.inline_keyboard[:2]] == ["December 2, 2026", "February 12, 2027"]


@pytest.mark.parametrize("typed", ["none", "None of these", "No symptoms!", "无", "没有", "nothing"])
def test_none_typed_on_a_multiple_choice_is_the_explicit_none(english: I18n, typed: str) -> None:
    for key in ("places", "contacts", "symptoms"):
        option = QUESTIONS_BY_KEY[key].typed_option(typed)
        assert option is not None and option.answer == [], (key, typed)
    assert QUESTIONS_BY_KEY["own_status"].typed_option(typed).answer == "none"


def test_none_typed_in_chinese_on_a_chinese_form(english: I18n) -> None:
    with english.use_locale("zh"):
        assert QUESTIONS_BY_KEY["symptoms"].typed_option("以上都没有").answer == []
        assert QUESTIONS_BY_KEY["symptoms"].typed_option("没有症状").answer == []
        assert QUESTIONS_BY_KEY["symptoms"].typed_option("咳嗽") is None


@pytest.mark.parametrize(
    ("typed", "district"), [("海曙", "haishu"), ("海曙区", "haishu"), ("慈溪", "cixi"), ("宁海", "ninghai")]
)
def test_a_district_without_its_suffix_is_that_district(english: I18n, typed: str, district: str) -> None:
    with english.use_locale("zh"):
        assert QUESTIONS_BY_KEY["district"].typed_option(typed).value == district


def test_an_english_district_with_or_without_district(english: I18n) -> None:
    assert QUESTIONS_BY_KEY["district"].typed_option("Haishu District").value == "haishu"
    assert QUESTIONS_BY_KEY["district"].typed_option("cixi city").value == "cixi"
    assert QUESTIONS_BY_KEY["district"].typed_option("Hai") is None


def test_the_summary_labels_take_the_languages_own_colon(english: I18n) -> None:
    from bot.registration.presenter import summary_text

    assert "<b>Full name</b>: Jane Doe" in summary_text(COMPLETE, "en")
    with english.use_locale("zh"):
        chinese = summary_text(COMPLETE, "zh")
    assert "<b>姓名</b>：Jane Doe" in chinese and "</b>:" not in chinese and ":</b>" not in chinese


@pytest.mark.parametrize(
    ("locale", "line"),
    [
        ("en", "A hardest-hit area of the epidemic: Hubei Province, Wuhan included"),
        ("zh", "疫情重灾区：湖北省（含武汉市）"),
    ],
)
def test_the_places_question_names_the_areas_the_rules_file_lists(english: I18n, locale: str, line: str) -> None:
    from bot.registration.presenter import question_text

    with english.use_locale(locale):
        text = question_text(QUESTIONS_BY_KEY["places"], {}, 6, 12, locale)
        other = question_text(QUESTIONS_BY_KEY["contacts"], {}, 7, 12, locale)
    assert line in text.splitlines()
    assert not any("：" in shown or ": " in shown for shown in other.splitlines()[1:]), "other questions list no areas"


def test_area_names_are_rules_data_checked_like_the_rest() -> None:
    import json

    from bot.domain.answers import Place
    from bot.domain.assessment import DEFAULT_RULES_PATH, RulesError, parse_rules

    data = json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data["areas"]["high_risk"]["names"] = {"en": ["Wenzhou"], "zh": ["温州市"]}
    assert parse_rules(data).areas[Place.HIGH_RISK].names["zh"] == ("温州市",)
    data["areas"]["high_risk"]["names"] = {"en": "Wenzhou"}
    with pytest.raises(RulesError, match="areas.high_risk.names.en"):
        parse_rules(data)
