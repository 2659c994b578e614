from __future__ import annotations

import functools
import json
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import Text, cast, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CheckIn, User, Verification
from bot.db.repositories.upsert import dialect_insert


class CheckInRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def on_day(self, user_id: int, day: date) -> CheckIn | None:
        return await self._session.scalar(select(CheckIn).where(CheckIn.user_id == user_id, CheckIn.day == day))

    async def record(
        self,
        user_id: int,
        day: date,
        temperature_c: float,
        symptoms: list[str],
        declaration_id: int | None,
        now: datetime,
    ) -> None:
        """The day's check-in, replacing one already given that day (one statement, so two cannot both land)."""
        values = {
            "user_id": user_id,
            "day": day,
            "temperature_c": temperature_c,
            "symptoms": symptoms,
            "declaration_id": declaration_id,
            "reported_at": now,
        }
        statement = dialect_insert(self._session, CheckIn).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[CheckIn.user_id, CheckIn.day],
            set_={
                key: statement.excluded[key] for key in ("temperature_c", "symptoms", "declaration_id", "reported_at")
            },
        )
        await self._session.execute(statement)
        # "Checked in today?" for a whole organization reads this, not the check-ins.
        await self._session.execute(
            update(User)
            .where(User.id == user_id, or_(User.last_checkin_on.is_(None), User.last_checkin_on < day))
            .values(last_checkin_on=day)
        )

    async def for_users(self, user_ids: Collection[int]) -> list[tuple[int, date, float, tuple[str, ...]]]:
        """(user_id, day, temperature_c, symptoms) of these people's check-ins, by person then day.

        Plain rows, not entities: a batch of the daily job reads tens of thousands.
        """
        statement = (
            # As text: nearly every row holds the same few lists, decoded once each below instead of per row.
            select(CheckIn.user_id, CheckIn.day, CheckIn.temperature_c, cast(CheckIn.symptoms, Text))
            .where(CheckIn.user_id.in_(user_ids))
            .order_by(CheckIn.user_id, CheckIn.day)
        )
        return [
            (user_id, day, temperature_c, _symptoms(symptoms))
            for user_id, day, temperature_c, symptoms in await self._session.execute(statement)
        ]

    async def checkpoint_readings(self, user_ids: Collection[int]) -> list[tuple[int, datetime, float]]:
        """Temperatures staff recorded for these people at checkpoints: (holder_id, when, °C), by person then time."""
        statement = (
            select(Verification.holder_id, Verification.at, Verification.temperature_c)
            .where(Verification.holder_id.in_(user_ids), Verification.temperature_c.is_not(None))
            .order_by(Verification.holder_id, Verification.at)
        )
        # The WHERE already drops NULLs; the test gives the rows their non-NULL types.
        return [
            (holder_id, at, temperature_c)
            for holder_id, at, temperature_c in await self._session.execute(statement)
            if holder_id is not None and temperature_c is not None
        ]


@functools.lru_cache(maxsize=1024)
def _symptoms(stored: str) -> tuple[str, ...]:
    return tuple(json.loads(stored))
