"""Declarations for tests: a green one, and the same with one thing changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from bot.domain.answers import Declaration, District, IdType, OwnStatus

DECLARED_ON = date(2020, 2, 19)

GREEN = Declaration(
    full_name="Li Hua",
    nationality="CN",
    id_type=IdType.RESIDENT_ID,
    id_number="11010519491231002X",
    phone="+8613800138000",
    district=District.YINZHOU,
    address="199 Taikang East Road, building 3",
    in_ningbo=True,
    arrival_date=None,
    places=frozenset(),
    contacts=frozenset(),
    own_status=OwnStatus.NONE,
    symptoms=frozenset(),
    temperature_c=36.6,
    declared_on=DECLARED_ON,
)


def declaration(**changes: Any) -> Declaration:
    return replace(GREEN, **changes)
