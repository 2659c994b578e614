"""From a declaration to a colour, with the reasons, the next step and the dates, by the rules file.

The rules are data (rules/v1.json), versioned, and every assessment names the version that produced it,
so a code can always be explained ("red because ..., earliest change on ...") and re-derived later.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.domain.answers import Colour, Contact, Declaration, OwnStatus, Place, Symptom

DEFAULT_RULES_PATH = Path(__file__).with_name("rules") / "v1.json"

_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


class RulesError(ValueError):
    """The rules file is missing, is not JSON, or has a shape this code does not understand."""


class Field(StrEnum):
    """The declaration fields a criterion may look at."""

    OWN_STATUS = "own_status"
    CONTACTS = "contacts"
    PLACES = "places"
    SYMPTOMS = "symptoms"
    TEMPERATURE_C = "temperature_c"


_CHOICES: Mapping[Field, type[StrEnum]] = MappingProxyType(
    {Field.OWN_STATUS: OwnStatus, Field.CONTACTS: Contact, Field.PLACES: Place, Field.SYMPTOMS: Symptom}
)
_SET_FIELDS = frozenset({Field.CONTACTS, Field.PLACES, Field.SYMPTOMS})


@dataclass(frozen=True, slots=True)
class Condition:
    """`field` holds any of `any_of` (choice fields), or is at least `at_least` (temperature)."""

    field: Field
    any_of: frozenset[StrEnum] = frozenset()
    at_least: float | None = None


@dataclass(frozen=True, slots=True)
class Criterion:
    reason: str
    colour: Colour
    when: Condition
    # False: only an administrator's override releases it, however many normal check-ins follow.
    clears_by_checkins: bool


@dataclass(frozen=True, slots=True)
class ColourRule:
    period_days: int
    next_step: str


@dataclass(frozen=True, slots=True)
class Area:
    description_code: str
    # The places this area is, by language ("en", "zh"), as the health authority lists them: shown to a
    # person asked whether they stayed in one, so "a hardest-hit area" is not a guess. Empty: none listed.
    names: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Rules:
    version: str
    colours: Mapping[Colour, ColourRule]
    areas: Mapping[Place, Area]
    criteria: tuple[Criterion, ...]
    notes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Assessment:
    colour: Colour
    # The criteria that produced the colour, in the order of the rules file.
    reasons: tuple[str, ...]
    # Criteria also matched but of a lower colour: shown so nobody is surprised when red turns yellow, not green.
    other_reasons: tuple[str, ...]
    period_days: int
    starts_on: date | None
    # The earliest day the colour can change: starts_on + period_days; None for green.
    ends_on: date | None
    next_step: str
    clears_by_checkins: bool
    rules_version: str


def load_rules(path: str | PathLike[str] | None = None) -> Rules:
    """The rules in `path` (default: the bundled rules/v1.json), read and checked once per path.

    Raises RulesError when the file cannot be read or has an unknown shape: a rules file this code
    half-understands must stop the bot at start-up rather than hand out wrong colours.
    """
    return _load_rules_from(Path(path) if path is not None else DEFAULT_RULES_PATH)


@functools.cache
def _load_rules_from(path: Path) -> Rules:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RulesError(f"{path}: cannot read: {error}") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)
    except ValueError as error:
        raise RulesError(f"{path}: not valid JSON: {error}") from None
    return parse_rules(data)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; in a rules file that hides a rule.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def parse_rules(data: object) -> Rules:
    """Rules from already-parsed JSON, checked as strictly as a file; raises RulesError."""
    top = _object(data, "rules", required={"version", "colours", "areas", "criteria"}, optional={"source", "notes"})
    version = top["version"]
    if not isinstance(version, str) or not version.strip():
        raise RulesError("version: must be a non-empty string")
    if "source" in top and not isinstance(top["source"], str):
        raise RulesError("source: must be a string")
    notes = _object(top.get("notes", {}), "notes")
    for key, note in notes.items():
        if not isinstance(note, str):
            raise RulesError(f"notes.{key}: must be a string")
    criteria = _criteria(top["criteria"])
    return Rules(
        version=version,
        colours=_colours(top["colours"]),
        areas=_areas(top["areas"]),
        criteria=criteria,
        notes=MappingProxyType(dict(notes)),
    )


def _object(
    value: object, where: str, required: Iterable[str] = (), optional: Iterable[str] | None = None
) -> dict[str, Any]:
    """`value` as a JSON object with exactly the `required` keys plus some `optional` ones (None: any)."""
    if not isinstance(value, dict):
        raise RulesError(f"{where}: must be an object")
    required = set(required)
    missing = sorted(required - set(value))
    if missing:
        raise RulesError(f"{where}: missing {missing[0]!r}")
    if optional is not None:
        unknown = sorted(set(value) - required - set(optional))
        if unknown:
            raise RulesError(f"{where}: unknown key {unknown[0]!r}")
    return value


def _code(value: object, where: str) -> str:
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise RulesError(f"{where}: must be a code of lowercase letters, digits and underscores")
    return value


def _colours(value: object) -> Mapping[Colour, ColourRule]:
    every = {str(colour) for colour in Colour}
    colours = _object(value, "colours", required=every, optional=())
    rules = {}
    for name, raw in colours.items():
        where = f"colours.{name}"
        entry = _object(raw, where, required={"period_days", "next_step"}, optional=())
        days = entry["period_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
            raise RulesError(f"{where}.period_days: must be a whole number of days from 0 to 366")
        rules[Colour(name)] = ColourRule(period_days=days, next_step=_code(entry["next_step"], f"{where}.next_step"))
    if rules[Colour.GREEN].period_days != 0:
        raise RulesError("colours.green.period_days: must be 0, green is no restriction")
    return MappingProxyType(rules)


def _areas(value: object) -> Mapping[Place, Area]:
    # Every place a person can declare needs a description, and nothing else may have one.
    areas = _object(value, "areas", required={str(place) for place in Place}, optional=())
    parsed = {}
    for name, raw in areas.items():
        where = f"areas.{name}"
        entry = _object(raw, where, required={"description_code"}, optional={"names"})
        parsed[Place(name)] = Area(
            _code(entry["description_code"], f"{where}.description_code"),
            _area_names(entry.get("names", {}), f"{where}.names"),
        )
    return MappingProxyType(parsed)


def _area_names(value: object, where: str) -> Mapping[str, tuple[str, ...]]:
    by_language = _object(value, where)
    names = {}
    for language, listed in by_language.items():
        if not isinstance(listed, list) or not all(isinstance(item, str) and item.strip() for item in listed):
            raise RulesError(f"{where}.{language}: must be a list of non-empty strings")
        names[language] = tuple(item.strip() for item in listed)
    return MappingProxyType(names)


def _criteria(value: object) -> tuple[Criterion, ...]:
    if not isinstance(value, list) or not value:
        raise RulesError("criteria: must be a non-empty list")
    criteria = []
    seen: set[str] = set()
    for index, raw in enumerate(value):
        where = f"criteria[{index}]"
        entry = _object(raw, where, required={"reason", "colour", "when", "clears_by_checkins"}, optional=())
        reason = _code(entry["reason"], f"{where}.reason")
        if reason in seen:
            raise RulesError(f"{where}.reason: {reason!r} is used twice")
        seen.add(reason)
        colour = entry["colour"]
        if colour not in (Colour.RED, Colour.YELLOW):
            raise RulesError(f"{where}.colour: must be 'red' or 'yellow'")
        clears = entry["clears_by_checkins"]
        if not isinstance(clears, bool):
            raise RulesError(f"{where}.clears_by_checkins: must be true or false")
        criteria.append(
            Criterion(
                reason=reason,
                colour=Colour(colour),
                when=_condition(entry["when"], f"{where}.when"),
                clears_by_checkins=clears,
            )
        )
    return tuple(criteria)


def _condition(value: object, where: str) -> Condition:
    if not isinstance(value, dict):
        raise RulesError(f"{where}: must be an object")
    try:
        field = Field(value["field"])
    except (KeyError, ValueError):
        raise RulesError(f"{where}.field: must be one of {', '.join(Field)}") from None
    if field is Field.TEMPERATURE_C:
        threshold = _object(value, where, required={"field", "at_least"}, optional=())["at_least"]
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not math.isfinite(threshold):
            raise RulesError(f"{where}.at_least: must be a number")
        return Condition(field=field, at_least=float(threshold))
    choices = _object(value, where, required={"field", "any_of"}, optional=())["any_of"]
    if not isinstance(choices, list) or not choices:
        raise RulesError(f"{where}.any_of: must be a non-empty list")
    enum = _CHOICES[field]
    members = []
    for choice in choices:
        try:
            member = enum(choice)
        except ValueError:
            raise RulesError(f"{where}.any_of: {choice!r} is not one of {', '.join(enum)}") from None
        if member == OwnStatus.NONE:
            raise RulesError(f"{where}.any_of: 'none' is the absence of a status, not a risk")
        members.append(member)
    if len(set(members)) != len(members):
        raise RulesError(f"{where}.any_of: lists a value twice")
    return Condition(field=field, any_of=frozenset(members))


def assess(declaration: Declaration, rules: Rules | None = None) -> Assessment:
    """The colour of `declaration`: the most severe colour among the criteria it matches, green if none."""
    if rules is None:
        rules = load_rules()
    matched = criteria_matched(declaration, rules)
    colour = Colour.worst(criterion.colour for criterion in matched)
    decisive = [criterion for criterion in matched if criterion.colour == colour]
    colour_rule = rules.colours[colour]
    starts_on = period_start(declaration) if colour_rule.period_days else None
    return Assessment(
        colour=colour,
        reasons=tuple(criterion.reason for criterion in decisive),
        other_reasons=tuple(criterion.reason for criterion in matched if criterion.colour < colour),
        period_days=colour_rule.period_days,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=colour_rule.period_days) if starts_on is not None else None,
        next_step=colour_rule.next_step,
        # One criterion that needs a health authority's release holds the whole colour.
        clears_by_checkins=all(criterion.clears_by_checkins for criterion in decisive),
        rules_version=rules.version,
    )


def all_reason_codes(rules: Rules | None = None) -> tuple[str, ...]:
    """Every reason an assessment can give, in file order, so the bot can check each has a translation."""
    if rules is None:
        rules = load_rules()
    return tuple(criterion.reason for criterion in rules.criteria)


def criteria_matched(subject: object, rules: Rules, fields: Collection[Field] | None = None) -> list[Criterion]:
    """The criteria `subject` (a declaration, or anything with the fields asked about) matches, in file order.

    `fields` limits the criteria looked at: a daily check-in has only symptoms and a temperature, and a
    criterion about a field it lacks would count as matched (see `_matches`).
    """
    return [
        criterion
        for criterion in rules.criteria
        if (fields is None or criterion.when.field in fields) and _matches(criterion.when, subject)
    ]


def period_start(declaration: Declaration) -> date:
    # Quarantine cannot start before someone arrives: for people declaring ahead, it starts on arrival.
    arrival = declaration.arrival_date
    if not declaration.in_ningbo and arrival is not None and arrival > declaration.declared_on:
        return arrival
    return declaration.declared_on


class _CannotEvaluate(Exception):
    pass


def _matches(condition: Condition, declaration: object) -> bool:
    # A criterion that cannot be evaluated counts as matched (failed), the principle of the EU Digital
    # COVID Certificate's CertLogic rules: a bug or a malformed declaration may then make a code
    # stricter than it should be, which someone will notice and contest, but never quietly green.
    try:
        return _evaluate(condition, getattr(declaration, condition.field))
    except Exception:  # noqa: BLE001 - any failure at all is the case this guards against
        return True


def _evaluate(condition: Condition, value: object) -> bool:
    if condition.at_least is not None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise _CannotEvaluate(condition.field)
        return value >= condition.at_least
    if condition.field in _SET_FIELDS:
        if not isinstance(value, set | frozenset) or not all(isinstance(item, str) for item in value):
            raise _CannotEvaluate(condition.field)
        return not condition.any_of.isdisjoint(value)
    if not isinstance(value, str):
        raise _CannotEvaluate(condition.field)
    return value in condition.any_of
