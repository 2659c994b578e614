"""The colour over time: a person's status on each day from their declarations, check-ins and overrides.

Every test walks a fixed calendar, day(1) = 1 March 2026, and asks `status_at(history, day(n))` for each
day, the way the bot asks it once a day. The property tests at the end build random histories and check
what the product promises: no colour clears before its period of normal check-ins, the dates the status
announces are the ones that happen when every check-in is normal, a case that needs a health authority's
release is never green without one, and adding a risk never makes anybody greener.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.answers import Colour, Contact, Declaration, OwnStatus, Place, Symptom
from bot.domain.assessment import DEFAULT_RULES_PATH, criteria_matched, load_rules, period_start
from bot.domain.status import (
    EXPOSURE_FIELDS,
    Carried,
    History,
    Override,
    OverrideCategory,
    Report,
    Status,
    is_normal,
    missed_days,
    status_at,
)
from tests.domain.factories import declaration

RED, YELLOW, GREEN = Colour.RED, Colour.YELLOW, Colour.GREEN
DAY1 = date(2026, 3, 1)
RULES = load_rules()
NEVER_CLEAR = (OwnStatus.CONFIRMED, OwnStatus.SUSPECTED, OwnStatus.ASYMPTOMATIC)


def day(n: int) -> date:
    """Day n of the test calendar, day(1) being DAY1."""
    return DAY1 + timedelta(days=n - 1)


def normal(n: int, temperature_c: float = 36.6, symptoms: frozenset[Symptom] = frozenset()) -> Report:
    return Report(day(n), temperature_c, symptoms)


def abnormal(n: int, temperature_c: float = 36.6, symptoms: frozenset[Symptom] = frozenset({Symptom.COUGH})) -> Report:
    return Report(day(n), temperature_c, symptoms)


def normals(days: range | list[int]) -> list[Report]:
    return [normal(n) for n in days]


def abroad(n: int = 1, **changes: object) -> Declaration:
    return declaration(places=frozenset({Place.ABROAD}), declared_on=day(n), **changes)


def green_declaration(n: int = 1, **changes: object) -> Declaration:
    return declaration(declared_on=day(n), **changes)


def walk(history: History, days: range | list[int]) -> dict[int, Status]:
    return {n: status_at(history, day(n)) for n in days}


def colours(history: History, days: range | list[int]) -> dict[int, Colour]:
    return {n: status.colour for n, status in walk(history, days).items()}


# --- Red: 14 consecutive days with a normal check-in --------------------------------------------------


@pytest.mark.parametrize("first_checkin", [1, 2], ids=["check-in-on-day-1", "declaration-covers-day-1"])
def test_red_clears_after_14_consecutive_normal_checkins(first_checkin: int) -> None:
    history = History(declarations=[abroad(1)], reports=normals(range(first_checkin, 15)))

    for n, status in walk(history, range(1, 15)).items():
        assert status.colour == RED, n
        assert status.reasons == ("place_abroad",)
        assert status.other_reasons == ()
        assert status.period_days == 14
        assert status.since == day(1)
        assert status.day_number == n
        assert status.changes_on == day(15)
        assert status.green_on == day(15)
        assert status.checked_in_today is True
        assert status.next_checkin_on == day(n + 1)
        assert status.clears_by_checkins is True
        assert status.next_step == "centralized_or_home_quarantine"
        assert status.rules_version == RULES.version
        assert status.override_reason is None

    fifteen = status_at(history, day(15))
    assert fifteen.colour == GREEN
    assert fifteen.reasons == fifteen.other_reasons == ()
    assert fifteen.period_days == 0
    assert fifteen.since is fifteen.day_number is fifteen.changes_on is fifteen.green_on is None
    assert fifteen.next_step == "show_code_and_temperature"
    # No check-in on day 15 yet: it is due today.
    assert fifteen.checked_in_today is False
    assert fifteen.next_checkin_on == day(15)


def test_before_todays_checkin_the_count_already_names_today() -> None:
    # The morning of day n, check-ins done through day n - 1: "day n of 14", not yet checked in.
    for n in range(2, 15):
        history = History(declarations=[abroad(1)], reports=normals(range(2, n)))
        status = status_at(history, day(n))
        assert status.colour == RED
        assert status.day_number == n
        assert status.changes_on == status.green_on == day(15)
        assert status.checked_in_today is False
        assert status.next_checkin_on == day(n)


def test_thirteen_normal_checkins_are_not_enough() -> None:
    history = History(declarations=[abroad(1)], reports=normals(range(1, 14)))
    # Day 14 is not checked in: red all day; day 15 follows a missed day.
    assert status_at(history, day(14)).colour == RED
    fifteen = status_at(history, day(15))
    assert fifteen.colour == RED
    assert fifteen.day_number == 1
    assert fifteen.green_on == day(29)


def test_a_missed_day_restarts_the_count() -> None:
    history = History(declarations=[abroad(1)], reports=normals([*range(1, 10), *range(11, 25)]))

    statuses = walk(history, range(1, 26))
    # Day 10 is not over yet: it still counts as day 10 if the check-in comes.
    assert statuses[10].day_number == 10
    assert statuses[10].green_on == day(15)
    assert statuses[10].checked_in_today is False
    # Day 10 ended without a check-in: day 11 is day 1 again.
    assert statuses[11].day_number == 1
    assert statuses[11].green_on == statuses[11].changes_on == day(25)
    for n in range(11, 25):
        assert statuses[n].colour == RED, n
        assert statuses[n].day_number == n - 10
        assert statuses[n].green_on == day(25)
    assert statuses[25].colour == GREEN


def test_a_missed_day_before_checking_in_shows_day_one() -> None:
    # The morning after a missed day: the count is at day 1 and ends 14 days from today.
    history = History(declarations=[abroad(1)], reports=normals(range(1, 5)))
    status = status_at(history, day(6))
    assert status.colour == RED
    assert status.day_number == 1
    assert status.green_on == day(20)


# --- Yellow: symptoms and fever -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "reasons"),
    [
        (abnormal(3, symptoms=frozenset({Symptom.COUGH})), ("symptom_cough",)),
        (abnormal(3, temperature_c=38.0, symptoms=frozenset()), ("temperature_fever",)),
        (abnormal(3, temperature_c=37.3, symptoms=frozenset()), ("temperature_fever",)),
        (abnormal(3, symptoms=frozenset({Symptom.SHORTNESS_OF_BREATH})), ("symptom_shortness_of_breath",)),
        (abnormal(3, symptoms=frozenset({Symptom.OTHER_RESPIRATORY})), ("symptom_other_respiratory",)),
        (
            abnormal(3, temperature_c=38.5, symptoms=frozenset({Symptom.FEVER, Symptom.FATIGUE, Symptom.COUGH})),
            ("symptom_fever", "symptom_cough", "temperature_fever"),
        ),
    ],
    ids=["cough", "38.0", "37.3", "shortness-of-breath", "other-respiratory", "fever-cough-fatigue-38.5"],
)
def test_symptoms_turn_green_to_yellow_for_seven_days(report: Report, reasons: tuple[str, ...]) -> None:
    history = History(
        declarations=[green_declaration(1)], reports=[normal(1), normal(2), report, *normals(range(4, 12))]
    )

    statuses = walk(history, range(1, 12))
    assert statuses[1].colour == statuses[2].colour == GREEN
    three = statuses[3]
    assert three.colour == YELLOW
    assert three.reasons == reasons
    assert three.period_days == 7
    assert three.since == day(3)
    # The count starts again tomorrow: no day number today.
    assert three.day_number is None
    assert three.changes_on == three.green_on == day(11)
    assert three.clears_by_checkins is True
    assert three.next_step == "home_or_centralized_observation"
    for n in range(4, 11):
        assert statuses[n].colour == YELLOW, n
        assert statuses[n].day_number == n - 3
        assert statuses[n].green_on == day(11)
    assert statuses[11].colour == GREEN


@pytest.mark.parametrize(
    "report",
    [
        normal(3, symptoms=frozenset({Symptom.FATIGUE})),
        normal(3, temperature_c=37.2),
        normal(3, temperature_c=37.2, symptoms=frozenset({Symptom.FATIGUE})),
        normal(3, temperature_c=35.0),
    ],
    ids=["fatigue", "37.2", "fatigue-37.2", "35.0"],
)
def test_fatigue_alone_and_a_temperature_under_37_3_are_normal(report: Report) -> None:
    assert is_normal(report)
    history = History(declarations=[green_declaration(1)], reports=[normal(1), normal(2), report])
    status = status_at(history, day(3))
    assert status.colour == GREEN
    assert status.checked_in_today is True


def test_is_normal() -> None:
    assert is_normal(Report(DAY1, 36.6, frozenset()))
    assert not is_normal(Report(DAY1, 37.3, frozenset()))
    assert not is_normal(Report(DAY1, 36.6, frozenset({Symptom.FEVER})))
    assert not is_normal(Report(DAY1, 36.6, frozenset({Symptom.FATIGUE, Symptom.COUGH})), RULES)
    # A temperature that cannot be read counts as a fever: an error only ever makes a code stricter.
    assert not is_normal(Report(DAY1, float("nan"), frozenset()))


def test_reports_are_matched_under_the_rules_given_even_when_two_sets_of_rules_alternate(tmp_path: Path) -> None:
    """The criteria of each kind of report are remembered across people: never across rules."""
    data = json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    for criterion in data["criteria"]:
        if criterion["when"]["field"] == "temperature_c":
            criterion["when"]["at_least"] = 38.0
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    lenient = load_rules(path)
    warm = Report(DAY1, 37.5, frozenset())
    for _ in range(2):
        assert not is_normal(warm, RULES)
        assert is_normal(warm, lenient)
        assert status_at(History(reports=[warm]), DAY1, RULES).colour == YELLOW
        assert status_at(History(reports=[warm]), DAY1, lenient).colour == GREEN


def test_a_symptom_reported_again_restarts_its_own_count() -> None:
    history = History(
        declarations=[green_declaration(1)],
        reports=[*normals(range(1, 3)), abnormal(3), *normals(range(4, 6)), abnormal(6), *normals(range(7, 15))],
    )
    statuses = walk(history, range(1, 15))
    assert statuses[6].since == day(6)
    assert statuses[6].green_on == day(14)
    assert [n for n, status in statuses.items() if status.colour == YELLOW] == list(range(3, 14))
    assert statuses[14].colour == GREEN


def test_a_fever_while_red_restarts_the_red_count_and_adds_a_yellow_reason() -> None:
    history = History(
        declarations=[abroad(1)],
        reports=[*normals(range(1, 5)), abnormal(5, temperature_c=38.0, symptoms=frozenset()), *normals(range(6, 21))],
    )
    statuses = walk(history, range(1, 21))
    five = statuses[5]
    assert five.colour == RED
    assert five.reasons == ("place_abroad",)
    assert five.other_reasons == ("temperature_fever",)
    assert five.since == day(1)
    assert five.day_number is None
    # 14 normal days from day 6: green on day 20; the fever alone would end on day 13.
    assert five.changes_on == five.green_on == day(20)
    assert statuses[6].day_number == 1
    assert statuses[13].other_reasons == ()  # the fever's 7 days are done
    assert statuses[19].colour == RED
    assert statuses[20].colour == GREEN


# --- Cases released only by a health authority ------------------------------------------------------


@pytest.mark.parametrize("own_status", NEVER_CLEAR)
def test_a_case_never_clears_by_checkins(own_status: OwnStatus) -> None:
    history = History(declarations=[green_declaration(1, own_status=own_status)], reports=normals(range(1, 41)))

    for n, status in walk(history, range(1, 41)).items():
        assert status.colour == RED, n
        assert status.reasons == (f"own_status_{own_status}",)
        assert status.clears_by_checkins is False
        assert status.day_number is None
        assert status.changes_on is None
        assert status.green_on is None


def test_an_observation_status_clears_by_checkins_like_any_red_reason() -> None:
    history = History(
        declarations=[green_declaration(1, own_status=OwnStatus.OBSERVATION)], reports=normals(range(1, 15))
    )
    assert status_at(history, day(14)).colour == RED
    assert status_at(history, day(14)).clears_by_checkins is True
    assert status_at(history, day(15)).colour == GREEN


def test_a_case_with_another_red_reason_still_does_not_clear() -> None:
    history = History(
        declarations=[abroad(1, own_status=OwnStatus.CONFIRMED)],
        reports=normals(range(1, 31)),
    )
    status = status_at(history, day(10))
    assert status.reasons == ("own_status_confirmed", "place_abroad")
    assert status.clears_by_checkins is False
    assert status.changes_on is status.green_on is status.day_number is None
    later = status_at(history, day(30))
    assert later.colour == RED
    assert later.reasons == ("own_status_confirmed",)


def test_an_override_releases_a_confirmed_case() -> None:
    history = History(
        declarations=[green_declaration(1, own_status=OwnStatus.CONFIRMED)],
        reports=normals(range(1, 61)),
        overrides=[Override(GREEN, "released", starts_on=day(31))],
    )
    statuses = walk(history, range(1, 61))
    assert all(statuses[n].colour == RED for n in range(1, 31))
    for n in range(31, 61):
        status = statuses[n]
        assert status.colour == GREEN, n
        assert status.override_reason == "released"
        assert status.reasons == status.other_reasons == ()
        assert status.since == day(31)
        assert status.changes_on is None
        assert status.green_on is None
        assert status.day_number is None


def test_an_override_that_ends_returns_to_the_rules_without_what_arose_before_it() -> None:
    history = History(
        declarations=[abroad(1, own_status=OwnStatus.CONFIRMED, temperature_c=38.0)],
        reports=normals(range(2, 61)),
        overrides=[Override(GREEN, "released", starts_on=day(31), ends_on=day(35))],
    )
    statuses = walk(history, range(30, 61))
    assert statuses[30].colour == RED
    for n in range(31, 35):
        assert statuses[n].colour == GREEN
        assert statuses[n].override_reason == "released"
        assert statuses[n].changes_on == day(35)
    for n in range(35, 61):
        # The confirmed case and the trip arose before the override: released for good.
        assert statuses[n].colour == GREEN, n
        assert statuses[n].override_reason is None


def test_after_an_override_ends_what_happened_since_its_start_counts() -> None:
    history = History(
        declarations=[green_declaration(1, own_status=OwnStatus.CONFIRMED)],
        reports=[
            *normals(range(1, 33)),
            abnormal(33, temperature_c=38.0, symptoms=frozenset()),
            *normals(range(34, 50)),
        ],
        overrides=[Override(GREEN, "released", starts_on=day(31), ends_on=day(35))],
    )
    statuses = walk(history, range(31, 45))
    assert all(statuses[n].colour == GREEN for n in range(31, 35))
    for n in range(35, 41):
        assert statuses[n].colour == YELLOW, n
        assert statuses[n].reasons == ("temperature_fever",)
        assert statuses[n].since == day(33)
        assert statuses[n].green_on == day(41)
        assert statuses[n].day_number == n - 33
    assert statuses[41].colour == GREEN


def test_a_red_override_holds_while_active_then_the_rules_apply() -> None:
    history = History(
        declarations=[green_declaration(1)],
        reports=normals(range(1, 15)),
        overrides=[Override(RED, "contact traced", starts_on=day(3), ends_on=day(6))],
    )
    assert colours(history, range(1, 9)) == {1: GREEN, 2: GREEN, 3: RED, 4: RED, 5: RED, 6: GREEN, 7: GREEN, 8: GREEN}
    three = status_at(history, day(3))
    assert three.override_reason == "contact traced"
    assert three.changes_on == day(6)
    assert three.clears_by_checkins is False
    assert three.next_step == "centralized_or_home_quarantine"
    assert three.checked_in_today is True


def test_a_declaration_after_an_override_counts() -> None:
    history = History(
        declarations=[green_declaration(1, own_status=OwnStatus.CONFIRMED), abroad(40)],
        reports=normals(range(1, 60)),
        overrides=[Override(GREEN, "released", starts_on=day(31), ends_on=day(35))],
    )
    statuses = walk(history, range(35, 56))
    assert all(statuses[n].colour == GREEN for n in range(35, 40))
    assert all(statuses[n].colour == RED for n in range(40, 54))
    assert statuses[40].reasons == ("place_abroad",)
    assert statuses[54].colour == GREEN


def test_an_override_in_the_future_changes_nothing_yet() -> None:
    history = History(
        declarations=[green_declaration(1, own_status=OwnStatus.CONFIRMED)],
        overrides=[Override(GREEN, "released", starts_on=day(31))],
    )
    assert status_at(history, day(30)).colour == RED
    assert status_at(history, day(30)).override_reason is None


def test_the_latest_active_override_wins() -> None:
    history = History(
        declarations=[green_declaration(1)],
        overrides=[
            Override(RED, "first", starts_on=day(2)),
            Override(YELLOW, "second", starts_on=day(4), ends_on=day(6)),
        ],
    )
    statuses = walk(history, range(1, 8))
    assert [statuses[n].override_reason for n in range(1, 8)] == [
        None,
        "first",
        "first",
        "second",
        "second",
        "first",
        "first",
    ]
    assert statuses[5].colour == YELLOW
    assert statuses[6].colour == RED


def test_a_carried_reason_that_arose_after_an_override_began_is_not_released() -> None:
    history = History(
        reports=normals(range(1, 25)),
        overrides=[Override(GREEN, "released", starts_on=day(1), ends_on=day(3))],
        carried=[Carried("place_abroad", since=day(5))],
    )
    assert status_at(history, day(10)).colour == RED


# --- Several reasons ----------------------------------------------------------------------------------


def test_a_yellow_reason_declared_during_red_keeps_the_code_yellow_after_red_ends() -> None:
    history = History(
        declarations=[abroad(1), green_declaration(10, contacts=frozenset({Contact.SAME_BUILDING}))],
        reports=normals(range(1, 20)),
    )
    statuses = walk(history, range(1, 20))
    for n in range(1, 10):
        assert statuses[n].other_reasons == (), n
        assert statuses[n].green_on == day(15)
    for n in range(10, 15):
        status = statuses[n]
        assert status.colour == RED, n
        assert status.reasons == ("place_abroad",)
        assert status.other_reasons == ("contact_same_building",)
        assert status.changes_on == day(15)
        assert status.green_on == day(17)
        assert status.day_number == n
    for n in (15, 16):
        status = statuses[n]
        assert status.colour == YELLOW, n
        assert status.reasons == ("contact_same_building",)
        assert status.other_reasons == ()
        assert status.since == day(10)
        assert status.period_days == 7
        assert status.day_number == n - 9
        assert status.changes_on == status.green_on == day(17)
    assert statuses[17].colour == GREEN


def test_a_yellow_reason_that_ends_during_red_is_no_longer_shown() -> None:
    history = History(
        declarations=[declaration(places=frozenset({Place.ABROAD, Place.HIGH_RISK}), declared_on=day(1))],
        reports=normals(range(1, 15)),
    )
    statuses = walk(history, range(1, 16))
    assert all(statuses[n].other_reasons == ("place_high_risk",) for n in range(1, 8))
    assert all(statuses[n].other_reasons == () for n in range(8, 15))
    assert statuses[15].colour == GREEN


def test_reasons_are_in_the_order_of_the_rules_file() -> None:
    history = History(
        declarations=[
            declaration(
                places=frozenset({Place.ABROAD, Place.HARDEST_HIT, Place.HIGH_RISK}),
                contacts=frozenset({Contact.SAME_BUILDING, Contact.CONFIRMED_CASE, Contact.SUSPECTED_CASE}),
                own_status=OwnStatus.OBSERVATION,
                symptoms=frozenset({Symptom.COUGH}),
                temperature_c=37.5,
                declared_on=day(1),
            )
        ]
    )
    status = status_at(history, day(1))
    assert status.reasons == ("own_status_observation", "contact_confirmed_case", "place_hardest_hit", "place_abroad")
    assert status.other_reasons == (
        "symptom_cough",
        "temperature_fever",
        "contact_suspected_case",
        "contact_same_building",
        "place_high_risk",
    )


# --- Arrival after the declaration --------------------------------------------------------------------


def test_the_count_starts_on_arrival_for_someone_declaring_ahead() -> None:
    history = History(
        declarations=[abroad(1, in_ningbo=False, arrival_date=day(5))],
        reports=normals(range(5, 19)),
    )
    statuses = walk(history, range(1, 20))
    for n in range(1, 5):
        status = statuses[n]
        assert status.colour == RED, n
        assert status.since == day(5)
        assert status.day_number is None
        assert status.changes_on == status.green_on == day(19)
    for n in range(5, 19):
        assert statuses[n].colour == RED, n
        assert statuses[n].day_number == n - 4
        assert statuses[n].green_on == day(19)
    assert statuses[19].colour == GREEN


def test_checkins_before_arrival_do_not_shorten_the_count() -> None:
    history = History(
        declarations=[abroad(1, in_ningbo=False, arrival_date=day(5))],
        reports=normals(range(1, 19)),
    )
    assert status_at(history, day(18)).colour == RED
    assert status_at(history, day(19)).colour == GREEN


# --- One report a day ---------------------------------------------------------------------------------


def test_a_declaration_is_the_days_checkin() -> None:
    status = status_at(History(declarations=[abroad(1)]), day(1))
    assert status.checked_in_today is True
    assert status.next_checkin_on == day(2)
    fever = status_at(History(declarations=[abroad(1, temperature_c=38.0)]), day(1))
    assert fever.other_reasons == ("temperature_fever",)
    assert fever.day_number is None
    assert fever.green_on == day(16)


def test_a_checkin_the_same_day_replaces_the_declarations_answers() -> None:
    fever_declaration = green_declaration(1, temperature_c=38.0, symptoms=frozenset({Symptom.FEVER}))
    history = History(declarations=[fever_declaration], reports=[normal(1)])
    status = status_at(history, day(1))
    assert status.colour == GREEN
    assert status.checked_in_today is True

    # The same for someone red: day 1 counts as a normal day, green after day 14.
    red = History(declarations=[abroad(1, temperature_c=38.0)], reports=normals(range(1, 15)))
    assert status_at(red, day(1)).other_reasons == ()
    assert status_at(red, day(1)).day_number == 1
    assert status_at(red, day(15)).colour == GREEN

    # And the other way: a fever reported after a normal declaration.
    worse = History(
        declarations=[green_declaration(1)], reports=[abnormal(1, temperature_c=38.0, symptoms=frozenset())]
    )
    assert status_at(worse, day(1)).reasons == ("temperature_fever",)


def test_of_two_declarations_on_a_day_the_later_answers_the_days_checkin() -> None:
    fever = green_declaration(1, temperature_c=38.0)
    fine = green_declaration(1)
    assert status_at(History(declarations=[fever, fine]), day(1)).colour == GREEN
    assert status_at(History(declarations=[fine, fever]), day(1)).reasons == ("temperature_fever",)


def test_the_order_of_the_declarations_of_different_days_does_not_matter() -> None:
    declared = [abroad(1), green_declaration(3, contacts=frozenset({Contact.SAME_BUILDING})), abroad(9)]
    reports = [*normals(range(1, 6)), abnormal(6), *normals(range(8, 30))]
    in_order = History(declarations=declared, reports=reports)
    reversed_ = History(declarations=declared[::-1], reports=reports[::-1])
    assert walk(in_order, range(1, 30)) == walk(reversed_, range(1, 30))


def test_a_declaration_answers_only_its_own_day() -> None:
    # The declaration's fever is day 1's; no report on day 2 is a missed day, not another fever.
    history = History(declarations=[green_declaration(1, temperature_c=38.0)], reports=normals(range(3, 10)))
    statuses = walk(history, range(1, 11))
    assert statuses[2].reasons == ("temperature_fever",)
    assert statuses[2].checked_in_today is False
    assert statuses[3].day_number == 1
    assert statuses[9].colour == YELLOW
    assert statuses[10].colour == GREEN


# --- Re-declaring -------------------------------------------------------------------------------------


def test_redeclaring_the_same_trip_does_not_restart_the_count() -> None:
    history = History(declarations=[abroad(1), abroad(5)], reports=normals(range(1, 15)))
    statuses = walk(history, range(1, 16))
    for n in range(5, 15):
        assert statuses[n].since == day(1), n
        assert statuses[n].day_number == n
        assert statuses[n].green_on == day(15)
    assert statuses[15].colour == GREEN


def test_a_new_red_reason_counts_from_its_own_day() -> None:
    history = History(
        declarations=[abroad(1), abroad(5, contacts=frozenset({Contact.CONFIRMED_CASE}))],
        reports=normals(range(1, 20)),
    )
    statuses = walk(history, range(1, 20))
    assert statuses[4].green_on == day(15)
    five = statuses[5]
    assert five.reasons == ("contact_confirmed_case", "place_abroad")
    assert five.since == day(5)
    assert five.day_number == 1
    assert five.changes_on == five.green_on == day(19)
    for n in range(15, 19):
        assert statuses[n].colour == RED, n
        assert statuses[n].reasons == ("contact_confirmed_case",)
    assert statuses[19].colour == GREEN


def test_a_later_declaration_without_the_risk_does_not_remove_it() -> None:
    history = History(declarations=[abroad(1), green_declaration(5)], reports=normals(range(1, 15)))
    statuses = walk(history, range(1, 16))
    assert all(statuses[n].reasons == ("place_abroad",) for n in range(5, 15))
    assert statuses[15].colour == GREEN


def test_redeclaring_with_a_later_arrival_does_not_move_the_start() -> None:
    history = History(
        declarations=[abroad(1), abroad(3, in_ningbo=False, arrival_date=day(10))],
        reports=normals(range(1, 15)),
    )
    assert status_at(history, day(5)).since == day(1)
    assert status_at(history, day(15)).colour == GREEN


def test_a_trip_declared_again_after_it_ended_starts_a_new_count() -> None:
    history = History(declarations=[abroad(1), abroad(20)], reports=normals(range(1, 40)))
    statuses = walk(history, range(15, 35))
    assert all(statuses[n].colour == GREEN for n in range(15, 20))
    assert statuses[20].since == day(20)
    assert statuses[20].day_number == 1
    assert statuses[20].green_on == day(34)
    assert statuses[33].colour == RED
    assert statuses[34].colour == GREEN


@pytest.mark.parametrize(
    "worse",
    [abnormal(1, temperature_c=37.3, symptoms=frozenset()), None],
    ids=["fever-on-day-1", "missed-day-5"],
)
def test_a_worse_checkin_never_makes_a_redeclared_risk_end_sooner(worse: Report | None) -> None:
    declared = [abroad(1), abroad(15)]
    good = History(declarations=declared, reports=normals(range(1, 40)))
    if worse is None:
        bad = History(declarations=declared, reports=normals([n for n in range(1, 40) if n != 5]))
    else:
        bad = History(declarations=declared, reports=[worse, *normals(range(2, 40))])
    # Day 15 still looks back to day 1: the same trip, not a new one, whether or not its count has ended.
    assert status_at(good, day(14)).colour == RED
    assert status_at(good, day(15)).colour == GREEN
    # A fever or a missed day can only keep the colour up longer, never end it sooner.
    for n in range(1, 40):
        assert status_at(bad, day(n)).colour >= status_at(good, day(n)).colour, n


# --- Carried reasons, edges, the JSON form ------------------------------------------------------------


def test_carried_reasons_stay_until_they_clear() -> None:
    history = History(reports=normals(range(1, 15)), carried=[Carried("place_abroad", since=day(1))])
    statuses = walk(history, range(1, 16))
    assert all(statuses[n].reasons == ("place_abroad",) for n in range(1, 15))
    assert statuses[1].since == day(1)
    assert statuses[15].colour == GREEN

    case = History(reports=normals(range(1, 31)), carried=[Carried("own_status_confirmed", since=day(1))])
    assert status_at(case, day(30)).colour == RED
    assert status_at(case, day(30)).clears_by_checkins is False


def test_a_carried_reason_the_rules_no_longer_know_is_ignored() -> None:
    history = History(reports=normals(range(1, 3)), carried=[Carried("no_such_reason", since=day(1))])
    assert status_at(history, day(2)).colour == GREEN


def test_nothing_known_is_green() -> None:
    status = status_at(History(), DAY1)
    assert status.colour == GREEN
    assert status.checked_in_today is False
    assert status.next_checkin_on == DAY1
    assert status.rules_version == RULES.version
    # Before the first declaration, too.
    assert status_at(History(declarations=[abroad(5)]), day(4)).colour == GREEN


def test_what_happens_after_today_does_not_count_today() -> None:
    history = History(
        declarations=[green_declaration(1), abroad(5)],
        reports=[*normals(range(1, 3)), abnormal(3)],
        overrides=[Override(RED, "later", starts_on=day(4))],
    )
    assert status_at(history, day(2)) == status_at(
        History(declarations=[green_declaration(1)], reports=normals([1, 2])), day(2)
    )
    assert status_at(history, day(2)).colour == GREEN


@pytest.mark.parametrize("n", [1, 3, 5, 10, 15])
def test_the_json_form_round_trips(n: int) -> None:
    history = History(
        declarations=[
            abroad(1, in_ningbo=False, arrival_date=day(2)),
            green_declaration(3, contacts=frozenset({Contact.SAME_BUILDING})),
        ],
        reports=[*normals(range(2, 4)), abnormal(4), *normals(range(5, 16))],
        overrides=[
            Override(YELLOW, "reviewed", starts_on=day(10), ends_on=day(12), category=OverrideCategory.CLOSE_CONTACT)
        ],
    )
    status = status_at(history, day(n))
    if n == 10:
        assert (status.override_category, status.override_reason) == ("close_contact", "reviewed")
    data = status.to_dict()
    assert Status.from_dict(json.loads(json.dumps(data))) == status
    assert Status.from_dict(data) == status


def test_the_json_form_is_plain() -> None:
    status = status_at(History(declarations=[abroad(1)], reports=normals(range(1, 4))), day(3))
    assert status.to_dict() == {
        "colour": "red",
        "reasons": ["place_abroad"],
        "other_reasons": [],
        "period_days": 14,
        "since": "2026-03-01",
        "day_number": 3,
        "changes_on": "2026-03-15",
        "green_on": "2026-03-15",
        "checked_in_today": True,
        "next_checkin_on": "2026-03-04",
        "next_step": "centralized_or_home_quarantine",
        "clears_by_checkins": True,
        "rules_version": RULES.version,
        "override_reason": None,
        "missed_from": None,
        "missed_to": None,
        "override_category": None,
    }


# --- Properties over random histories -----------------------------------------------------------------
#
# A history: a declaration on day 1 with random answers, then DAYS days of check-ins, each normal, abnormal
# or missing, a few more random declarations, and (for some properties) overrides. The check-ins are either
# mostly normal with a few incidents (so red periods do end) or random every day.

DAYS = 40
NORMAL_TEMPERATURES = (35.9, 36.6, 37.2)
FEVER_TEMPERATURES = (37.3, 38.0, 39.5)
LISTED_SYMPTOMS = (Symptom.FEVER, Symptom.COUGH, Symptom.SHORTNESS_OF_BREATH, Symptom.OTHER_RESPIRATORY)
FAR = date.max


_NORMAL_ANSWERS = [
    (temperature, symptoms)
    for temperature in NORMAL_TEMPERATURES
    for symptoms in (frozenset(), frozenset({Symptom.FATIGUE}))
]
_NORMAL = st.tuples(st.sampled_from(NORMAL_TEMPERATURES), st.sampled_from([frozenset(), frozenset({Symptom.FATIGUE})]))
_ANY_SYMPTOMS = st.frozensets(st.sampled_from(list(Symptom)), max_size=3)
_ABNORMAL = st.one_of(
    st.tuples(st.sampled_from(FEVER_TEMPERATURES), _ANY_SYMPTOMS),
    st.tuples(
        st.sampled_from(NORMAL_TEMPERATURES + FEVER_TEMPERATURES),
        st.tuples(st.sampled_from(LISTED_SYMPTOMS), _ANY_SYMPTOMS).map(lambda pair: pair[1] | {pair[0]}),
    ),
)
_ANSWERS = st.fixed_dictionaries(
    {
        "places": st.frozensets(st.sampled_from(list(Place))),
        "contacts": st.frozensets(st.sampled_from(list(Contact))),
        # Mostly no status of one's own, so that most histories can turn green.
        "own_status": st.sampled_from([OwnStatus.NONE] * 6 + [OwnStatus.OBSERVATION, *NEVER_CLEAR]),
        "symptoms": st.one_of(st.just(frozenset()), st.frozensets(st.sampled_from(list(Symptom)), max_size=2)),
        "temperature_c": st.sampled_from(NORMAL_TEMPERATURES * 2 + FEVER_TEMPERATURES),
        # None: in Ningbo already; else the arrival, that many days after the declaration.
        "arrival_in": st.one_of(st.none(), st.integers(1, 6)),
    }
)


def normal_reports(n: int) -> st.SearchStrategy[Report]:
    return _NORMAL.map(lambda answers: Report(day(n), *answers))


def abnormal_reports(n: int) -> st.SearchStrategy[Report]:
    return _ABNORMAL.map(lambda answers: Report(day(n), *answers))


def _declaration_from(answers: dict[str, object], n: int) -> Declaration:
    answers = dict(answers)
    arrival_in = answers.pop("arrival_in")
    return declaration(
        **answers,
        in_ningbo=arrival_in is None,
        arrival_date=None if arrival_in is None else day(n + arrival_in),  # type: ignore[operator]
        declared_on=day(n),
    )


def declarations(n: int) -> st.SearchStrategy[Declaration]:
    return _ANSWERS.map(lambda answers: _declaration_from(answers, n))


_INCIDENTS = st.lists(st.tuples(st.integers(1, DAYS), st.sampled_from(["none", "abnormal"])), max_size=4)
_EVERY_DAY = st.lists(st.sampled_from(["normal"] * 4 + ["none", "abnormal"]), min_size=DAYS, max_size=DAYS)
_EXTRA_DAYS = st.lists(st.integers(2, DAYS), max_size=3)
_OVERRIDES = st.lists(
    st.tuples(st.integers(1, DAYS), st.one_of(st.none(), st.integers(1, 12)), st.sampled_from(list(Colour))),
    max_size=2,
)


@st.composite
def histories(draw: st.DrawFn, with_overrides: bool = False) -> History:
    if draw(st.booleans()):
        # Mostly normal: a few missed or abnormal days, so that red periods do end.
        incidents = dict(draw(_INCIDENTS))
        kinds = [incidents.get(n, "normal") for n in range(1, DAYS + 1)]
    else:
        kinds = draw(_EVERY_DAY)
    # The normal check-ins vary (fatigue, 37.2 °C) by a pattern drawn once: drawing each costs time.
    pattern = draw(st.integers(0, len(_NORMAL_ANSWERS) - 1))
    reports = []
    for n, kind in enumerate(kinds, start=1):
        if kind == "normal":
            reports.append(Report(day(n), *_NORMAL_ANSWERS[(n * pattern + pattern) % len(_NORMAL_ANSWERS)]))
        elif kind == "abnormal":
            reports.append(Report(day(n), *draw(_ABNORMAL)))
    first = _declaration_from(draw(_ANSWERS), 1)
    extras = [_declaration_from(draw(_ANSWERS), n) for n in sorted(draw(_EXTRA_DAYS))]
    overrides = []
    if with_overrides:
        for start, length, colour in draw(_OVERRIDES):
            ends_on = None if length is None else day(start + length)
            overrides.append(Override(colour, f"decision {len(overrides) + 1}", starts_on=day(start), ends_on=ends_on))
    return History(declarations=[first, *extras], reports=reports, overrides=overrides)


def effective_reports(history: History) -> dict[date, Report]:
    """Each day's report as the product defines it: the day's check-in, or else the day's declaration."""
    reports = {d.declared_on: Report(d.declared_on, d.temperature_c, d.symptoms) for d in history.declarations}
    reports.update((report.day, report) for report in history.reports)
    return reports


def normal_days(history: History) -> set[date]:
    return {on for on, report in effective_reports(history).items() if is_normal(report)}


def has_normal_run(normal: set[date], first: date, last: date, length: int) -> bool:
    """Whether `length` consecutive days from `first` through `last` all have a normal report."""
    run = 0
    current = first
    while current <= last:
        run = run + 1 if current in normal else 0
        if run >= length:
            return True
        current += timedelta(days=1)
    return length == 0


def override_active(history: History, on: date) -> bool:
    return any(override.active_on(on) for override in history.overrides)


def override_starts(history: History, after: date, through: date) -> bool:
    """Whether an override begins after `after`, up to and including `through` (it then releases what came before)."""
    return any(after < override.starts_on <= through for override in history.overrides)


def truncated(history: History, today: date) -> History:
    """What was known on `today`."""
    return History(
        declarations=[d for d in history.declarations if d.declared_on <= today],
        reports=[r for r in history.reports if r.day <= today],
        overrides=[o for o in history.overrides if o.starts_on <= today],
        carried=history.carried,
    )


def period_of(reason: str) -> int:
    criterion = next(c for c in RULES.criteria if c.reason == reason)
    return RULES.colours[criterion.colour].period_days


def earliest_green(status: Status, today: date) -> date:
    """The first day the status promises green (today if green already); FAR when it promises none."""
    if status.colour == GREEN and status.override_reason is None:
        return today
    return status.green_on or FAR


# Twice the profile's examples: 200 in the whole suite, fewer in `make test-fast` (tests/conftest.py).
PROPERTY_SETTINGS = settings(max_examples=2 * settings.default.max_examples, deadline=None)


@PROPERTY_SETTINGS
@given(histories(with_overrides=True))
def test_no_reason_clears_before_its_period_of_normal_checkins(history: History) -> None:
    """(a) A red period lasts at least 14 days and a yellow one that began green at least 7, up to the first
    green day. More precisely: green on day d, without an override then or since an earlier day e, means
    that every reason active on e got its period of consecutive normal check-ins, all on or after the day it
    arose and before d.

    From the status itself: the decisive reasons of day e arose on `since` (the latest of them), so d is at
    least since + period_days and the days since .. d - 1 hold a run of period_days normal reports. From the
    history, without trusting the status: an abnormal report on day a needs 7 normal days in a + 1 .. d - 1;
    a risk of the first declaration, or a risk a later declaration adds to those shown active that day,
    needs its colour's period of normal days from the day it arose (arrival, for someone arriving later).
    """
    statuses = {n: status_at(history, day(n)) for n in range(1, DAYS + 1)}
    normal = normal_days(history)
    greens = [n for n, status in statuses.items() if status.colour == GREEN and not override_active(history, day(n))]

    # Literally: from the first day of a red period (or of a yellow one that began green) to the first green
    # day after it, at least 14 (7) days, unless an override had a hand in it.
    for f, status in statuses.items():
        previous = statuses[f - 1].colour if f > 1 else GREEN
        if status.colour == previous or not (status.colour == RED or previous == GREEN):
            continue
        g = next((n for n in greens if n > f), None)
        if g is not None and not any(o.starts_on <= day(g) for o in history.overrides):
            assert g - f >= status.period_days, (f, g)

    for d in greens:
        for e in range(1, d):
            before = statuses[e]
            if before.colour == GREEN or override_active(history, day(e)) or override_starts(history, day(e), day(d)):
                continue
            assert before.clears_by_checkins, (e, d)
            assert before.since is not None
            assert day(d) >= before.since + timedelta(days=before.period_days), (e, d)
            assert has_normal_run(normal, before.since, day(d - 1), before.period_days), (e, d)

        for on, report in effective_reports(history).items():
            if on < day(d) and not is_normal(report) and not override_starts(history, on, day(d)):
                assert has_normal_run(normal, on + timedelta(days=1), day(d - 1), 7), (on, d)

        for index, declared in enumerate(history.declarations):
            on = declared.declared_on
            if on > day(d) or override_starts(history, on, day(d)):
                continue
            if index == 0:
                new = [c.reason for c in criteria_matched(declared, RULES, EXPOSURE_FIELDS)]
            else:
                if override_active(history, on):
                    continue
                others = [other for other in history.declarations if other is not declared]
                shown = status_at(replace(history, declarations=others), on)
                known = {*shown.reasons, *shown.other_reasons} | recently_declared(history, declared)
                new = [c.reason for c in criteria_matched(declared, RULES, EXPOSURE_FIELDS) if c.reason not in known]
            for reason in new:
                assert has_normal_run(normal, period_start(declared), day(d - 1), period_of(reason)), (reason, on, d)


def recently_declared(history: History, declared: Declaration) -> set[str]:
    """Reasons another declaration gave within the 14 days before this one's start (since the last override):
    declaring them again is the same exposure, not a new one."""
    start = period_start(declared)
    overrides = [o.starts_on for o in history.overrides if o.starts_on <= declared.declared_on]
    since = max(overrides, default=date.min)
    found: set[str] = set()
    for other in history.declarations:
        if other is declared or not since <= other.declared_on <= declared.declared_on:
            continue
        if period_start(other) <= start <= period_start(other) + timedelta(days=14):
            found |= {c.reason for c in criteria_matched(other, RULES, EXPOSURE_FIELDS)}
    return found


SOME_DAYS = st.sets(st.integers(1, DAYS), min_size=1, max_size=20)


@PROPERTY_SETTINGS
@given(histories(with_overrides=True), SOME_DAYS)
def test_the_announced_dates_are_what_happens_when_every_checkin_is_normal(history: History, days: set[int]) -> None:
    """(b) On some days t without an override (all 40 would take too long), take what was known on t and add
    a normal check-in every later day (and today, if not checked in yet). Then green_on is the first green
    day and changes_on the first day of a lower colour, both after today: the promise is neither too late
    nor too early. A colour that does not clear by check-ins stays and promises nothing. The day number is
    today's place in the count that ends on changes_on, and there is one exactly when a count runs today.
    """
    reports = effective_reports(history)
    for t in sorted(days):
        today = day(t)
        status = status_at(history, today)
        assert status.checked_in_today == (today in reports)
        assert status.next_checkin_on == (today + timedelta(days=1) if status.checked_in_today else today)
        if override_active(history, today):
            assert status.override_reason is not None
            assert status.green_on is None and status.day_number is None
            continue
        assert status.override_reason is None
        assert (status.colour == GREEN) == (status.reasons == ())
        assert status.period_days == RULES.colours[status.colour].period_days
        assert all(period_of(reason) < status.period_days for reason in status.other_reasons)
        if status.colour == GREEN:
            assert status.green_on is status.changes_on is status.day_number is status.since is None
            continue

        known = truncated(history, today)
        first = t + 1 if status.checked_in_today else t
        last = status.green_on or today + timedelta(days=15)
        future = replace(known, reports=[*known.reports, *normals(range(first, (last - DAY1).days + 2))])
        seen: dict[date, Colour] = {}

        def colour_on(on: date, future: History = future, seen: dict[date, Colour] = seen) -> Colour:
            if on not in seen:
                seen[on] = status_at(future, on).colour
            return seen[on]

        if not status.clears_by_checkins:
            assert status.colour == RED
            assert status.green_on is status.changes_on is status.day_number is None
            assert colour_on(last) == RED
            continue
        green_on, changes_on = status.green_on, status.changes_on
        assert green_on is not None and changes_on is not None, t
        assert today < changes_on <= green_on, t
        assert colour_on(green_on) == GREEN, t
        assert colour_on(green_on - timedelta(days=1)) != GREEN, t
        assert colour_on(changes_on) < status.colour, t
        assert colour_on(changes_on - timedelta(days=1)) == status.colour, t
        assert status.since is not None
        today_normal = today not in reports or is_normal(reports[today])
        if today_normal and status.since <= today:
            assert status.day_number is not None, t
            assert 1 <= status.day_number <= status.period_days, t
            assert changes_on == today + timedelta(days=status.period_days - status.day_number + 1), t
        else:
            assert status.day_number is None, t


@PROPERTY_SETTINGS
@given(histories(with_overrides=True))
def test_a_case_is_never_green_without_an_override(history: History) -> None:
    """(c) After a declaration with a confirmed, suspected or asymptomatic status, the code is red, only an
    override can release it, and no date is promised, until an override begins after that declaration."""
    for declared in history.declarations:
        if declared.own_status not in NEVER_CLEAR:
            continue
        for n in range(1, DAYS + 1):
            on = day(n)
            if on < declared.declared_on or override_active(history, on):
                continue
            if override_starts(history, declared.declared_on, on):
                break
            status = status_at(history, on)
            assert status.colour == RED, n
            assert f"own_status_{declared.own_status}" in status.reasons
            assert status.clears_by_checkins is False
            assert status.green_on is None


def _assert_never_greener(before: History, after: History, first: int, last: int = DAYS) -> None:
    """Days `first` to `last` (before `first` both histories are the same); `after` adds a risk to `before`."""
    for n in range(first, last + 1):
        old, new = status_at(before, day(n)), status_at(after, day(n))
        assert new.colour >= old.colour, n
        assert earliest_green(new, day(n)) >= earliest_green(old, day(n)), n


@PROPERTY_SETTINGS
@given(histories(with_overrides=True), st.integers(1, DAYS), st.data())
def test_a_later_declaration_never_makes_anybody_greener(history: History, n: int, data: st.DataObject) -> None:
    """Re-declaring cannot shorten a quarantine: a declaration added on or after the day of the latest one,
    on a day that has a check-in (so that the day's report stays the same), never lowers the colour on any
    day nor brings the earliest green day closer. (An earlier one may: it says a risk arose earlier.)"""
    latest = max(declared.declared_on for declared in history.declarations)
    n = max(n, (latest - DAY1).days + 1)
    if not any(report.day == day(n) for report in history.reports):
        history = replace(history, reports=[*history.reports, data.draw(normal_reports(n))])
    added = data.draw(declarations(n))
    _assert_never_greener(history, replace(history, declarations=[*history.declarations, added]), n)


@PROPERTY_SETTINGS
@given(histories(with_overrides=True), st.integers(1, DAYS), st.data())
def test_a_worse_checkin_never_makes_anybody_greener(history: History, n: int, data: st.DataObject) -> None:
    """An abnormal check-in instead of whatever day n had, or a missed day instead of a normal check-in (on a
    day without a declaration), never lowers the colour nor brings the earliest green day closer, up to the
    next declaration. (After it, they can: see test_a_worse_checkin_never_makes_a_redeclared_risk_end_sooner.)
    """
    later = [(d.declared_on - DAY1).days + 1 for d in history.declarations if d.declared_on > day(n)]
    last = min(later, default=DAYS + 1) - 1
    others = [report for report in history.reports if report.day != day(n)]
    worse = replace(history, reports=[*others, data.draw(abnormal_reports(n))])
    _assert_never_greener(history, worse, n, last)

    kept = next((report for report in history.reports if report.day == day(n)), None)
    declared = any(d.declared_on == day(n) for d in history.declarations)
    if kept is not None and is_normal(kept) and not declared:
        _assert_never_greener(history, replace(history, reports=others), n, last)


@PROPERTY_SETTINGS
@given(histories(with_overrides=True), SOME_DAYS)
def test_every_status_depends_on_the_past_only_and_round_trips_through_json(history: History, days: set[int]) -> None:
    """Every day's status survives JSON; on some days, it is the same from the history known that day."""
    for n in range(1, DAYS + 1):
        status = status_at(history, day(n))
        assert Status.from_dict(json.loads(json.dumps(status.to_dict()))) == status
        if n in days:
            assert status_at(truncated(history, day(n)), day(n)) == status, n


# --- Temperatures taken at checkpoints --------------------------------------------------------------


def test_a_checkpoint_fever_turns_green_to_yellow_even_after_a_normal_check_in() -> None:
    fever = Report(day(3), 37.3, frozenset())
    history = History(declarations=[green_declaration(1)], reports=normals(range(1, 4)), checkpoint_readings=[fever])
    status = status_at(history, day(3))
    assert status.colour == YELLOW and status.reasons == ("temperature_fever",)
    assert status.checked_in_today, "the person's own check-in still counts as their report"


def test_a_normal_checkpoint_reading_is_not_a_check_in() -> None:
    reading = Report(day(3), 36.5, frozenset())
    with_reading = History(declarations=[abroad(1)], reports=normals([1, 2, 4]), checkpoint_readings=[reading])
    without = History(declarations=[abroad(1)], reports=normals([1, 2, 4]))
    assert status_at(with_reading, day(4)) == status_at(without, day(4))
    assert status_at(with_reading, day(4)).day_number == 1, "day 3 was still missed"


def test_a_checkpoint_fever_is_not_the_persons_check_in() -> None:
    fever = Report(day(3), 37.3, frozenset())
    history = History(declarations=[green_declaration(1)], reports=normals(range(1, 3)), checkpoint_readings=[fever])
    status = status_at(history, day(3))
    assert status.colour == YELLOW and status.reasons == ("temperature_fever",)
    assert not status.checked_in_today, "staff pressing fever is no check-in of the person's own"
    assert status.next_checkin_on == day(3)
    assert status.day_number is None, "today's fever restarts the count"


def test_a_checkpoint_fever_alone_leaves_its_day_without_a_check_in() -> None:
    fever = Report(day(3), 37.3, frozenset())
    history = History(declarations=[green_declaration(1)], reports=normals([1, 2, 4, 5]), checkpoint_readings=[fever])
    with_own = History(
        declarations=[green_declaration(1)],
        reports=[*normals([1, 2]), Report(day(3), 37.3, frozenset()), *normals([4, 5])],
    )
    assert status_at(history, day(5)) == status_at(with_own, day(5)), "the fever counts as a fever either way"
    assert status_at(history, day(3)).checked_in_today is False
    assert status_at(with_own, day(3)).checked_in_today is True


# --- A missed day, said -------------------------------------------------------------------------------


def test_a_missed_day_is_named_as_why_the_count_started_again() -> None:
    history = History(declarations=[abroad(1)], reports=normals([1, 2, 3, 5, 6]))
    assert status_at(history, day(4)).missed_from is None, "today is not missed until it is over"
    status = status_at(history, day(6))
    assert status.day_number == 2
    assert (status.missed_from, status.missed_to) == (day(4), day(4))


def test_missed_days_in_a_row_are_named_as_one_run() -> None:
    history = History(declarations=[abroad(1)], reports=normals([1, 2, 6]))
    status = status_at(history, day(6))
    assert (status.missed_from, status.missed_to) == (day(3), day(5))
    assert status.day_number == 1


def test_a_fever_after_a_missed_day_is_the_reason_instead() -> None:
    history = History(declarations=[abroad(1)], reports=[*normals([1, 2, 4]), abnormal(5), *normals([6])])
    status = status_at(history, day(6))
    assert status.missed_from is None and status.missed_to is None


def test_nothing_is_missed_while_green_or_before_arrival() -> None:
    assert status_at(History(declarations=[green_declaration(1)], reports=normals([1, 4])), day(4)).missed_from is None
    ahead = History(declarations=[abroad(1, in_ningbo=False, arrival_date=day(5))], reports=normals([5, 6]))
    assert status_at(ahead, day(6)).missed_from is None
    assert missed_days(ahead, day(6)) == []


def test_missed_days_lists_every_day_that_restarted_a_count() -> None:
    history = History(declarations=[abroad(1)], reports=normals([1, 3, 4, 7]))
    assert missed_days(history, day(7)) == [day(2), day(5), day(6)]
    assert missed_days(history, day(5)) == [day(2)], "today is never missed yet"


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(min_value=1, max_value=20), max_size=20), st.integers(min_value=1, max_value=21))
def test_a_named_missed_day_has_no_check_in_and_lies_within_the_run(checked: set[int], today: int) -> None:
    history = History(declarations=[abroad(1)], reports=normals(sorted(checked | {1})))
    status = status_at(history, day(today))
    days = missed_days(history, day(today))
    assert all(d < day(today) and (d - DAY1).days + 1 not in checked | {1} for d in days)
    if status.missed_from is not None:
        assert status.missed_to is not None and status.missed_from <= status.missed_to < day(today)
        assert status.missed_to in days
        assert status.day_number is not None and status.day_number <= (day(today) - status.missed_to).days
