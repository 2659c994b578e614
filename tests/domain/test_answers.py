"""The declaration's vocabulary, its JSON form, and the order of colours."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.answers import (
    Colour,
    Contact,
    Declaration,
    District,
    IdType,
    InvalidDeclaration,
    OwnStatus,
    Place,
    Symptom,
)
from tests.domain.factories import GREEN, declaration


def test_colours_are_ordered_by_severity_not_alphabetically() -> None:
    assert Colour.GREEN < Colour.YELLOW < Colour.RED
    assert Colour.RED > Colour.YELLOW >= Colour.YELLOW > Colour.GREEN
    assert sorted([Colour.RED, Colour.GREEN, Colour.YELLOW]) == [Colour.GREEN, Colour.YELLOW, Colour.RED]
    assert max(Colour.YELLOW, Colour.RED) == Colour.RED
    assert [colour.severity for colour in Colour] == [0, 1, 2]


def test_the_worst_of_no_colours_is_green() -> None:
    assert Colour.worst([]) == Colour.GREEN
    assert Colour.worst([Colour.YELLOW, Colour.GREEN]) == Colour.YELLOW


def test_a_colour_compares_with_its_stored_value_but_not_with_other_text() -> None:
    assert Colour.YELLOW < "red"
    assert Colour.RED == "red"
    with pytest.raises(TypeError):
        assert Colour.RED < "zebra"


def test_the_districts_are_the_ten_of_ningbo() -> None:
    assert len(District) == 10
    assert all(district.value.isascii() and district.value.islower() for district in District)


def test_the_json_form_is_plain_and_sorted() -> None:
    data = declaration(
        places=frozenset({Place.HIGH_RISK, Place.ABROAD}),
        symptoms=frozenset({Symptom.FEVER, Symptom.COUGH}),
        in_ningbo=False,
        arrival_date=date(2020, 2, 25),
    ).to_dict()

    assert data["places"] == ["abroad", "high_risk"]
    assert data["symptoms"] == ["cough", "fever"]
    assert data["contacts"] == []
    assert data["arrival_date"] == "2020-02-25"
    assert data["declared_on"] == "2020-02-19"
    assert data["id_type"] == "resident_id"
    assert type(data["id_type"]) is str
    assert json.loads(json.dumps(data)) == data


def test_the_form_s_answers_without_an_arrival_date_make_a_declaration() -> None:
    answers = GREEN.to_dict()
    del answers["arrival_date"]

    assert Declaration.from_dict(answers) == GREEN


declarations = st.builds(
    Declaration,
    full_name=st.text(min_size=1, max_size=30),
    nationality=st.sampled_from(["CN", "GB", "US", "DE"]),
    id_type=st.sampled_from(IdType),
    id_number=st.text(alphabet="0123456789X", min_size=5, max_size=18),
    phone=st.just("+8613800138000"),
    district=st.sampled_from(District),
    address=st.text(min_size=1, max_size=50),
    in_ningbo=st.booleans(),
    arrival_date=st.none() | st.dates(),
    places=st.frozensets(st.sampled_from(Place)),
    contacts=st.frozensets(st.sampled_from(Contact)),
    own_status=st.sampled_from(OwnStatus),
    symptoms=st.frozensets(st.sampled_from(Symptom)),
    temperature_c=st.floats(min_value=34, max_value=43).map(lambda value: round(value, 1)),
    declared_on=st.dates(),
)


@given(declarations)
def test_a_declaration_survives_a_trip_through_json(original: Declaration) -> None:
    assert Declaration.from_dict(json.loads(json.dumps(original.to_dict()))) == original


BAD_ANSWERS: dict[str, tuple[str, Any]] = {
    "unknown id type": ("id_type", "driving_licence"),
    "unknown district": ("district", "pudong"),
    "places as one string": ("places", "abroad"),
    "unknown place": ("places", ["moon"]),
    "a number in a set": ("contacts", [1]),
    "unknown status": ("own_status", "fine"),
    "in_ningbo as text": ("in_ningbo", "yes"),
    "temperature as text": ("temperature_c", "36.6"),
    "temperature as a boolean": ("temperature_c", True),
    "temperature not finite": ("temperature_c", float("inf")),
    "date not ISO": ("declared_on", "19/02/2020"),
    "date as a number": ("declared_on", 20200219),
    "name as a number": ("full_name", 42),
}


@pytest.mark.parametrize(("field", "value"), BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_a_wrong_value_is_refused_naming_its_field(field: str, value: Any) -> None:
    answers = GREEN.to_dict() | {field: value}

    with pytest.raises(InvalidDeclaration) as raised:
        Declaration.from_dict(answers)

    assert raised.value.field == field


def test_a_missing_answer_is_refused_naming_it() -> None:
    answers = GREEN.to_dict()
    del answers["symptoms"]

    with pytest.raises(InvalidDeclaration) as raised:
        Declaration.from_dict(answers)

    assert raised.value.field == "symptoms"


def test_an_unknown_answer_is_refused() -> None:
    with pytest.raises(InvalidDeclaration) as raised:
        Declaration.from_dict(GREEN.to_dict() | {"blood_type": "A"})

    assert raised.value.field == "blood_type"
