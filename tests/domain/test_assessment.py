"""The rules file applied to declarations: one row per criterion, the edges, and monotonicity."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.answers import Colour, Contact, OwnStatus, Place, Symptom
from bot.domain.assessment import (
    DEFAULT_RULES_PATH,
    RulesError,
    all_reason_codes,
    assess,
    load_rules,
    parse_rules,
)
from tests.domain.factories import DECLARED_ON, GREEN, declaration

RED, YELLOW, GREEN_COLOUR = Colour.RED, Colour.YELLOW, Colour.GREEN

# One row per criterion of rules/v1.json: the one risk added to a green declaration, and what it gives.
CRITERIA_TABLE: list[tuple[str, dict[str, Any], Colour]] = [
    ("own_status_confirmed", {"own_status": OwnStatus.CONFIRMED}, RED),
    ("own_status_suspected", {"own_status": OwnStatus.SUSPECTED}, RED),
    ("own_status_asymptomatic", {"own_status": OwnStatus.ASYMPTOMATIC}, RED),
    ("own_status_observation", {"own_status": OwnStatus.OBSERVATION}, RED),
    ("contact_confirmed_case", {"contacts": frozenset({Contact.CONFIRMED_CASE})}, RED),
    ("place_hardest_hit", {"places": frozenset({Place.HARDEST_HIT})}, RED),
    ("place_abroad", {"places": frozenset({Place.ABROAD})}, RED),
    ("symptom_fever", {"symptoms": frozenset({Symptom.FEVER})}, YELLOW),
    ("symptom_shortness_of_breath", {"symptoms": frozenset({Symptom.SHORTNESS_OF_BREATH})}, YELLOW),
    ("symptom_cough", {"symptoms": frozenset({Symptom.COUGH})}, YELLOW),
    ("symptom_other_respiratory", {"symptoms": frozenset({Symptom.OTHER_RESPIRATORY})}, YELLOW),
    ("temperature_fever", {"temperature_c": 37.3}, YELLOW),
    ("contact_fever_or_respiratory", {"contacts": frozenset({Contact.FEVER_OR_RESPIRATORY})}, YELLOW),
    ("contact_suspected_case", {"contacts": frozenset({Contact.SUSPECTED_CASE})}, YELLOW),
    ("contact_same_building", {"contacts": frozenset({Contact.SAME_BUILDING})}, YELLOW),
    ("place_high_risk", {"places": frozenset({Place.HIGH_RISK})}, YELLOW),
]
RELEASED_ONLY_BY_OVERRIDE = {"own_status_confirmed", "own_status_suspected", "own_status_asymptomatic"}


def _rules_data() -> dict[str, Any]:
    return json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def test_the_table_has_one_row_per_criterion_of_the_file() -> None:
    assert [reason for reason, _change, _colour in CRITERIA_TABLE] == list(all_reason_codes())


@pytest.mark.parametrize(("reason", "change", "colour"), CRITERIA_TABLE, ids=[row[0] for row in CRITERIA_TABLE])
def test_each_criterion_alone_gives_its_colour_and_reason(reason: str, change: dict[str, Any], colour: Colour) -> None:
    assessment = assess(declaration(**change))

    assert assessment.colour == colour
    assert assessment.reasons == (reason,)
    assert assessment.other_reasons == ()
    assert assessment.clears_by_checkins is (reason not in RELEASED_ONLY_BY_OVERRIDE)


def test_a_declaration_without_risk_is_green_with_nothing_to_wait_for() -> None:
    assessment = assess(GREEN)

    assert assessment.colour == Colour.GREEN
    assert assessment.reasons == ()
    assert assessment.other_reasons == ()
    assert assessment.period_days == 0
    assert assessment.starts_on is None
    assert assessment.ends_on is None
    assert assessment.next_step == "show_code_and_temperature"


def test_fatigue_alone_is_not_a_criterion() -> None:
    assert assess(declaration(symptoms=frozenset({Symptom.FATIGUE}))).colour == Colour.GREEN


@pytest.mark.parametrize(("temperature", "colour"), [(37.2, GREEN_COLOUR), (37.3, YELLOW), (39.0, YELLOW)])
def test_the_fever_threshold_is_37_3(temperature: float, colour: Colour) -> None:
    assert assess(declaration(temperature_c=temperature)).colour == colour


def test_the_stricter_colour_wins_and_lower_reasons_are_kept() -> None:
    assessment = assess(
        declaration(
            contacts=frozenset({Contact.CONFIRMED_CASE, Contact.SAME_BUILDING}),
            symptoms=frozenset({Symptom.COUGH, Symptom.FEVER}),
        )
    )

    assert assessment.colour == Colour.RED
    assert assessment.reasons == ("contact_confirmed_case",)
    # In the order of the file, whatever the order of the answers.
    assert assessment.other_reasons == ("symptom_fever", "symptom_cough", "contact_same_building")
    assert assessment.period_days == 14
    assert assessment.next_step == "centralized_or_home_quarantine"


def test_contact_with_a_confirmed_case_is_listed_once_as_red_and_the_file_says_why() -> None:
    rules = load_rules()
    colours = [criterion.colour for criterion in rules.criteria if criterion.reason == "contact_confirmed_case"]

    assert colours == [Colour.RED]
    assert "stricter" in rules.notes["stricter_colour_wins"]


def test_several_reasons_of_the_resulting_colour_are_all_given_in_file_order() -> None:
    assessment = assess(
        declaration(places=frozenset({Place.ABROAD, Place.HARDEST_HIT}), own_status=OwnStatus.OBSERVATION)
    )

    assert assessment.reasons == ("own_status_observation", "place_hardest_hit", "place_abroad")


def test_one_reason_that_needs_an_override_holds_the_colour() -> None:
    assessment = assess(declaration(own_status=OwnStatus.CONFIRMED, places=frozenset({Place.ABROAD})))

    assert assessment.clears_by_checkins is False


def test_a_lower_colour_needing_no_override_does_not_hold_a_red_that_clears() -> None:
    assessment = assess(declaration(places=frozenset({Place.ABROAD}), symptoms=frozenset({Symptom.COUGH})))

    assert assessment.clears_by_checkins is True


@pytest.mark.parametrize(
    ("change", "days", "next_step"),
    [
        ({"places": frozenset({Place.HARDEST_HIT})}, 14, "centralized_or_home_quarantine"),
        ({"symptoms": frozenset({Symptom.COUGH})}, 7, "home_or_centralized_observation"),
    ],
)
def test_the_period_starts_on_the_declaration_day(change: dict[str, Any], days: int, next_step: str) -> None:
    assessment = assess(declaration(**change))

    assert assessment.period_days == days
    assert assessment.starts_on == DECLARED_ON
    assert assessment.ends_on == DECLARED_ON + timedelta(days=days)
    assert assessment.next_step == next_step


def test_for_someone_arriving_later_the_period_starts_on_arrival() -> None:
    arrival = DECLARED_ON + timedelta(days=5)

    assessment = assess(declaration(in_ningbo=False, arrival_date=arrival, places=frozenset({Place.ABROAD})))

    assert assessment.starts_on == arrival
    assert assessment.ends_on == arrival + timedelta(days=14)


@pytest.mark.parametrize("offset", [0, -3])
def test_an_arrival_date_that_is_not_in_the_future_does_not_move_the_start(offset: int) -> None:
    arrival = DECLARED_ON + timedelta(days=offset)

    assessment = assess(declaration(in_ningbo=False, arrival_date=arrival, symptoms=frozenset({Symptom.COUGH})))

    assert assessment.starts_on == DECLARED_ON
    assert assessment.ends_on == DECLARED_ON + timedelta(days=7)


def test_every_assessment_names_the_rules_version() -> None:
    assert load_rules().version == "ningbo-2020-02.1"
    assert assess(GREEN).rules_version == "ningbo-2020-02.1"
    assert assess(declaration(places=frozenset({Place.ABROAD}))).rules_version == "ningbo-2020-02.1"


def test_the_rules_are_read_once() -> None:
    assert load_rules() is load_rules()
    assert load_rules(DEFAULT_RULES_PATH) is load_rules(str(DEFAULT_RULES_PATH))


def test_reason_codes_are_unique_codes() -> None:
    codes = all_reason_codes()

    assert len(set(codes)) == len(codes) == 16
    assert all(code.isascii() and code == code.lower() and " " not in code for code in codes)


def test_every_place_has_an_area_description() -> None:
    assert set(load_rules().areas) == set(Place)


# --- Broken rules -----------------------------------------------------------------------------------


def _broken(mutate) -> dict[str, Any]:
    data = copy.deepcopy(_rules_data())
    mutate(data)
    return data


def _temperature_criterion(data: dict[str, Any]) -> dict[str, Any]:
    return next(criterion for criterion in data["criteria"] if criterion["reason"] == "temperature_fever")


BROKEN_RULES = {
    "missing version": lambda data: data.pop("version"),
    "empty version": lambda data: data.update(version=" "),
    "unknown top-level key": lambda data: data.update(extra=1),
    "missing colour": lambda data: data["colours"].pop("yellow"),
    "unknown colour": lambda data: data["colours"].update(blue={"period_days": 1, "next_step": "x"}),
    "negative period": lambda data: data["colours"]["red"].update(period_days=-1),
    "period as text": lambda data: data["colours"]["red"].update(period_days="14"),
    "green with a period": lambda data: data["colours"]["green"].update(period_days=1),
    "next step not a code": lambda data: data["colours"]["red"].update(next_step="Go home"),
    "missing area": lambda data: data["areas"].pop("abroad"),
    "unknown area": lambda data: data["areas"].update(moon={"description_code": "area_moon"}),
    "no criteria": lambda data: data.update(criteria=[]),
    "criterion colour green": lambda data: data["criteria"][0].update(colour="green"),
    "criterion colour unknown": lambda data: data["criteria"][0].update(colour="orange"),
    "unknown field": lambda data: data["criteria"][0]["when"].update(field="age"),
    "unknown value": lambda data: data["criteria"][0]["when"].update(any_of=["zombie"]),
    "value of another field": lambda data: data["criteria"][0]["when"].update(any_of=["abroad"]),
    "own status none": lambda data: data["criteria"][0]["when"].update(any_of=["none"]),
    "empty any_of": lambda data: data["criteria"][0]["when"].update(any_of=[]),
    "any_of and at_least": lambda data: data["criteria"][0]["when"].update(at_least=1),
    "threshold as text": lambda data: _temperature_criterion(data)["when"].update(at_least="37.3"),
    "threshold without number": lambda data: _temperature_criterion(data)["when"].pop("at_least"),
    "any_of on temperature": lambda data: _temperature_criterion(data)["when"].update(any_of=["fever"]),
    "reason used twice": lambda data: data["criteria"][1].update(reason=data["criteria"][0]["reason"]),
    "reason not a code": lambda data: data["criteria"][0].update(reason="You are ill"),
    "clears not a boolean": lambda data: data["criteria"][0].update(clears_by_checkins="no"),
    "missing clears": lambda data: data["criteria"][0].pop("clears_by_checkins"),
    "unknown criterion key": lambda data: data["criteria"][0].update(note="x"),
    "note not text": lambda data: data["notes"].update(extra=1),
}


@pytest.mark.parametrize("mutate", BROKEN_RULES.values(), ids=BROKEN_RULES.keys())
def test_a_rules_shape_this_code_does_not_know_raises(mutate) -> None:
    with pytest.raises(RulesError):
        parse_rules(_broken(mutate))


@pytest.mark.parametrize("data", [None, [], "rules", {"criteria": []}])
def test_rules_that_are_not_an_object_of_rules_raise(data: object) -> None:
    with pytest.raises(RulesError):
        parse_rules(data)


def test_the_bundled_rules_parse_as_data_too() -> None:
    assert parse_rules(_rules_data()) == load_rules()


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        '{"version": "a", "version": "b"}',
        '{"version": NaN}',
        json.dumps({"version": "x"}),
        "[]",
    ],
    ids=["not json", "duplicate key", "NaN", "incomplete", "a list"],
)
def test_a_broken_rules_file_raises(tmp_path: Path, text: str) -> None:
    path = tmp_path / "rules.json"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(RulesError):
        load_rules(path)


def test_a_missing_rules_file_raises(tmp_path: Path) -> None:
    with pytest.raises(RulesError):
        load_rules(tmp_path / "absent.json")


def test_a_rules_file_elsewhere_is_used(tmp_path: Path) -> None:
    data = _rules_data()
    data["version"] = "test-1"
    data["colours"]["yellow"]["period_days"] = 10
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    assessment = assess(declaration(symptoms=frozenset({Symptom.COUGH})), load_rules(path))

    assert (assessment.rules_version, assessment.period_days) == ("test-1", 10)


# --- Fail safe ------------------------------------------------------------------------------------


def test_a_temperature_that_cannot_be_compared_counts_as_a_fever() -> None:
    assessment = assess(declaration(temperature_c=float("nan")))

    assert assessment.colour == Colour.YELLOW
    assert assessment.reasons == ("temperature_fever",)


def test_a_malformed_answer_matches_every_criterion_on_it() -> None:
    assessment = assess(declaration(places="abroad"))

    assert assessment.colour == Colour.RED
    assert assessment.reasons == ("place_hardest_hit", "place_abroad")
    assert assessment.other_reasons == ("place_high_risk",)


# --- Monotonicity ---------------------------------------------------------------------------------

risk_fields = st.fixed_dictionaries(
    {
        "places": st.frozensets(st.sampled_from(Place)),
        "contacts": st.frozensets(st.sampled_from(Contact)),
        "symptoms": st.frozensets(st.sampled_from(Symptom)),
        "own_status": st.sampled_from(OwnStatus),
        "temperature_c": st.floats(min_value=34.0, max_value=43.0).map(lambda value: round(value, 1)),
        "in_ningbo": st.booleans(),
        "arrival_date": st.none() | st.dates(min_value=DECLARED_ON, max_value=DECLARED_ON + timedelta(days=90)),
    }
)


@st.composite
def worsened(draw: st.DrawFn, answers: dict[str, Any]) -> dict[str, Any]:
    """`answers` with one more risk factor."""
    worse = dict(answers)
    kind = draw(st.sampled_from(["places", "contacts", "symptoms", "own_status", "temperature_c"]))
    if kind == "places":
        worse["places"] = answers["places"] | {draw(st.sampled_from(Place))}
    elif kind == "contacts":
        worse["contacts"] = answers["contacts"] | {draw(st.sampled_from(Contact))}
    elif kind == "symptoms":
        worse["symptoms"] = answers["symptoms"] | {draw(st.sampled_from(Symptom))}
    elif kind == "own_status" and answers["own_status"] == OwnStatus.NONE:
        worse["own_status"] = draw(st.sampled_from([status for status in OwnStatus if status != OwnStatus.NONE]))
    elif kind == "temperature_c":
        worse["temperature_c"] = draw(st.floats(min_value=answers["temperature_c"], max_value=43.0))
    return worse


@settings(deadline=None)
@given(st.data())
def test_adding_a_risk_factor_never_lowers_the_colour(data: st.DataObject) -> None:
    answers = data.draw(risk_fields)
    worse = data.draw(worsened(answers))

    before, after = assess(declaration(**answers)), assess(declaration(**worse))

    assert after.colour >= before.colour
    assert set(before.reasons + before.other_reasons) <= set(after.reasons + after.other_reasons)


@settings(deadline=None)
@given(risk_fields)
def test_the_end_is_always_the_start_plus_the_period(answers: dict[str, Any]) -> None:
    assessment = assess(declaration(**answers))

    if assessment.colour == Colour.GREEN:
        assert (assessment.starts_on, assessment.ends_on, assessment.period_days) == (None, None, 0)
    else:
        assert assessment.starts_on >= DECLARED_ON
        assert assessment.ends_on == assessment.starts_on + timedelta(days=assessment.period_days)
        assert assessment.reasons
