"""The vocabulary of a declaration, and the declaration itself.

The enum values are stored (in JSON answers, in the rules file, in callback data), so they never change;
add new members instead of renaming old ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar


class IdType(StrEnum):
    PASSPORT = "passport"
    RESIDENT_ID = "resident_id"
    # Residence permit or permanent residence ID card for foreigners.
    FOREIGNER_PERMIT = "foreigner_permit"
    # Hong Kong, Macao and Taiwan travel or residence permits.
    HMT_PERMIT = "hmt_permit"


class District(StrEnum):
    """The ten districts and counties of Ningbo, as divided in 2020."""

    HAISHU = "haishu"
    JIANGBEI = "jiangbei"
    BEILUN = "beilun"
    ZHENHAI = "zhenhai"
    YINZHOU = "yinzhou"
    FENGHUA = "fenghua"
    YUYAO = "yuyao"
    CIXI = "cixi"
    NINGHAI = "ninghai"
    XIANGSHAN = "xiangshan"


class Place(StrEnum):
    """Where someone stayed in the last 14 days; an empty set means none of these."""

    HARDEST_HIT = "hardest_hit"
    HIGH_RISK = "high_risk"
    ABROAD = "abroad"


class Contact(StrEnum):
    """Close contact in the last 14 days; an empty set means none of these."""

    CONFIRMED_CASE = "confirmed_case"
    SUSPECTED_CASE = "suspected_case"
    FEVER_OR_RESPIRATORY = "fever_or_respiratory"
    SAME_BUILDING = "same_building"


class OwnStatus(StrEnum):
    CONFIRMED = "confirmed"
    SUSPECTED = "suspected"
    ASYMPTOMATIC = "asymptomatic"
    # Under medical observation or quarantine.
    OBSERVATION = "observation"
    NONE = "none"


class Symptom(StrEnum):
    """Current symptoms. An empty set is an explicit "none": the form never fills it in by default."""

    FEVER = "fever"
    COUGH = "cough"
    SHORTNESS_OF_BREATH = "shortness_of_breath"
    FATIGUE = "fatigue"
    OTHER_RESPIRATORY = "other_respiratory"


class Colour(StrEnum):
    """The code's colour, ordered by severity (green < yellow < red).

    Being a str, a Colour would otherwise compare alphabetically ("red" < "yellow"), which is exactly the
    wrong order; so the ordering operators are redefined and refuse anything that is not a colour.
    """

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @classmethod
    def worst(cls, colours: Iterable[Colour]) -> Colour:
        """The most severe of `colours`; green when there are none (nobody is at risk by default)."""
        return max(colours, key=_SEVERITY.__getitem__, default=cls.GREEN)

    def __lt__(self, other: object) -> bool:
        return self.severity < _as_colour(other).severity

    def __le__(self, other: object) -> bool:
        return self.severity <= _as_colour(other).severity

    def __gt__(self, other: object) -> bool:
        return self.severity > _as_colour(other).severity

    def __ge__(self, other: object) -> bool:
        return self.severity >= _as_colour(other).severity


_SEVERITY = {Colour.GREEN: 0, Colour.YELLOW: 1, Colour.RED: 2}


def _as_colour(other: object) -> Colour:
    if isinstance(other, Colour):
        return other
    if isinstance(other, str) and other in _SEVERITY:
        return Colour(other)
    raise TypeError(f"cannot order a colour against {other!r}")


class InvalidDeclaration(ValueError):
    """Stored or submitted answers do not make a declaration; `field` names the first bad one."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True, slots=True)
class Declaration:
    full_name: str
    nationality: str  # ISO 3166-1 alpha-2
    id_type: IdType
    id_number: str  # normalised by identity.validate_id_number
    phone: str  # E.164
    district: District
    address: str
    in_ningbo: bool
    arrival_date: date | None  # only for people arriving later
    places: frozenset[Place]
    contacts: frozenset[Contact]
    own_status: OwnStatus
    symptoms: frozenset[Symptom]
    temperature_c: float
    declared_on: date

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: dates as ISO strings, sets as sorted lists, enums as their values."""
        return {
            "full_name": self.full_name,
            "nationality": self.nationality,
            "id_type": str(self.id_type),
            "id_number": self.id_number,
            "phone": self.phone,
            "district": str(self.district),
            "address": self.address,
            "in_ningbo": self.in_ningbo,
            "arrival_date": self.arrival_date.isoformat() if self.arrival_date is not None else None,
            "places": sorted(str(place) for place in self.places),
            "contacts": sorted(str(contact) for contact in self.contacts),
            "own_status": str(self.own_status),
            "symptoms": sorted(str(symptom) for symptom in self.symptoms),
            "temperature_c": float(self.temperature_c),
            "declared_on": self.declared_on.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Declaration:
        """The inverse of `to_dict`, checking every value: this is where stored or forged JSON comes in.

        `arrival_date` may be missing (the form does not ask it of people already in Ningbo).
        Raises InvalidDeclaration naming the first field that is missing, unknown or of the wrong kind.
        """
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidDeclaration(unknown[0])
        return cls(
            full_name=_text(data, "full_name"),
            nationality=_text(data, "nationality"),
            id_type=_member(IdType, data, "id_type"),
            id_number=_text(data, "id_number"),
            phone=_text(data, "phone"),
            district=_member(District, data, "district"),
            address=_text(data, "address"),
            in_ningbo=_flag(data, "in_ningbo"),
            arrival_date=_day(data, "arrival_date") if data.get("arrival_date") is not None else None,
            places=_members(Place, data, "places"),
            contacts=_members(Contact, data, "contacts"),
            own_status=_member(OwnStatus, data, "own_status"),
            symptoms=_members(Symptom, data, "symptoms"),
            temperature_c=_number(data, "temperature_c"),
            declared_on=_day(data, "declared_on"),
        )


EnumT = TypeVar("EnumT", bound=StrEnum)


def _required(data: Mapping[str, Any], key: str) -> Any:
    if key not in data:
        raise InvalidDeclaration(key)
    return data[key]


def _text(data: Mapping[str, Any], key: str) -> str:
    value = _required(data, key)
    if not isinstance(value, str):
        raise InvalidDeclaration(key)
    return value


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = _required(data, key)
    if not isinstance(value, bool):
        raise InvalidDeclaration(key)
    return value


def _number(data: Mapping[str, Any], key: str) -> float:
    value = _required(data, key)
    # bool is an int to Python, but True is no temperature.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidDeclaration(key)
    return float(value)


def _day(data: Mapping[str, Any], key: str) -> date:
    value = _required(data, key)
    if not isinstance(value, str):
        raise InvalidDeclaration(key)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidDeclaration(key) from None


def _member(enum: type[EnumT], data: Mapping[str, Any], key: str) -> EnumT:
    value = _required(data, key)
    if not isinstance(value, str):
        raise InvalidDeclaration(key)
    try:
        return enum(value)
    except ValueError:
        raise InvalidDeclaration(key) from None


def _members(enum: type[EnumT], data: Mapping[str, Any], key: str) -> frozenset[EnumT]:
    values = _required(data, key)
    # A bare string is iterable too; accepting it would read "abroad" as six one-letter answers.
    if not isinstance(values, list | tuple | set | frozenset):
        raise InvalidDeclaration(key)
    members = []
    for value in values:
        if not isinstance(value, str):
            raise InvalidDeclaration(key)
        try:
            members.append(enum(value))
        except ValueError:
            raise InvalidDeclaration(key) from None
    return frozenset(members)
