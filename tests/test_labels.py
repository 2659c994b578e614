"""Every code the domain can produce has words for the user, and every answer the domain knows has a button."""

from __future__ import annotations

from bot.domain.answers import Colour, Contact, District, IdType, OwnStatus, Place, Symptom
from bot.domain.assessment import all_reason_codes, load_rules
from bot.registration.questions import QUESTIONS_BY_KEY
from bot.status.presenter import COLOUR_WORDS, NEXT_STEPS, REASONS, THEIR_REASONS


def test_every_reason_in_the_rules_has_a_label() -> None:
    assert set(all_reason_codes()) <= set(REASONS)
    assert set(THEIR_REASONS) == set(REASONS), "a family member's reasons have words about them too"


def test_every_next_step_and_colour_has_words() -> None:
    rules = load_rules()
    assert {rule.next_step for rule in rules.colours.values()} <= set(NEXT_STEPS)
    assert {str(colour) for colour in Colour} == set(COLOUR_WORDS)


def test_every_answer_value_has_a_button() -> None:
    expected = {
        "id_type": IdType,
        "district": District,
        "places": Place,
        "contacts": Contact,
        "own_status": OwnStatus,
        "symptoms": Symptom,
    }
    for key, enum in expected.items():
        assert {option.value for option in QUESTIONS_BY_KEY[key].options} == {str(member) for member in enum}, key
