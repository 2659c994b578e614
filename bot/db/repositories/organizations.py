"""Organizations, their members and HR members, what HR may see of members, and the daily reminder's claim.

What HR sees of a member is read here and nowhere else: the name (from the latest declaration), the
current colour (the latest assessment) and the last day they checked in, all three kept on the person's
row. No other answer leaves the database through this repository. Every read of an organization's members
is bounded by the index (organization_id, name_key, id): a page reads its 20 rows, counts are aggregates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CheckIn, CityDay, Organization, OrganizationDay, Role, User, Verification
from bot.db.repositories.rows import affected
from bot.db.repositories.upsert import dialect_insert

HR_ROLE = "hr"


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One member as HR may see them. `name` is None before their first declaration, `colour` before their first code."""

    user_id: int
    name: str | None
    colour: str | None
    # The latest local day with a check-in, up to today.
    last_checkin: date | None
    language: str
    unreachable: bool
    member_number: int | None = None


@dataclass(frozen=True, slots=True)
class CityCounts:
    people: int
    green: int
    yellow: int
    red: int
    no_code: int
    checked_in: int
    verifications: int
    # Today's check-ins by colour (None: no code yet), from the same pass.
    checked_in_colours: dict[str | None, int]


@dataclass(frozen=True, slots=True)
class MemberCounts:
    members: int
    checked_in: int
    green: int
    yellow: int
    red: int
    no_code: int
    unreachable: int
    not_green: int


class Who(StrEnum):
    """Which of an organization's members a list, a count or a reminder is about."""

    EVERYONE = "everyone"
    NOT_CHECKED_IN = "not_checked_in"
    NOT_GREEN = "not_green"


class Direction(StrEnum):
    FIRST = "first"
    AFTER = "after"
    BEFORE = "before"
    LAST = "last"


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page starts: the first or last rows, or just after or before a member (a keyset cursor)."""

    direction: Direction
    user_id: int | None = None


class OrganizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- Organizations ---------------------------------------------------------------------------

    async def add(self, name_en: str, name_zh: str, invite_code: str, created_by: int, now: datetime) -> Organization:
        organization = Organization(
            name_en=name_en, name_zh=name_zh, invite_code=invite_code, created_by=created_by, created_at=now
        )
        self._session.add(organization)
        await self._session.flush()
        return organization

    async def get(self, organization_id: int) -> Organization | None:
        return await self._session.get(Organization, organization_id)

    async def by_invite(self, invite_code: str) -> Organization | None:
        return await self._session.scalar(select(Organization).where(Organization.invite_code == invite_code))

    async def all(self) -> list[Organization]:
        return list(await self._session.scalars(select(Organization).order_by(Organization.id)))

    async def some(self, organization_ids: list[int]) -> list[Organization]:
        if not organization_ids:
            return []
        statement = select(Organization).where(Organization.id.in_(organization_ids)).order_by(Organization.id)
        return list(await self._session.scalars(statement))

    async def member_counts(self) -> dict[int, int]:
        statement = (
            select(User.organization_id, func.count())
            .where(User.organization_id.is_not(None))
            .group_by(User.organization_id)
        )
        # The WHERE already drops a NULL organization; the test only tells the type checker.
        rows = await self._session.execute(statement)
        return {organization_id: count for organization_id, count in rows if organization_id is not None}

    async def hr_counts(self) -> dict[int, int]:
        statement = (
            select(Role.organization_id, func.count(func.distinct(Role.user_id)))
            .where(Role.role == HR_ROLE, Role.organization_id.is_not(None))
            .group_by(Role.organization_id)
        )
        # The WHERE already drops a NULL organization; the test only tells the type checker.
        rows = await self._session.execute(statement)
        return {organization_id: count for organization_id, count in rows if organization_id is not None}

    # --- HR members ------------------------------------------------------------------------------

    async def is_hr(self, user_id: int, organization_id: int) -> bool:
        statement = select(Role.id).where(
            Role.user_id == user_id, Role.role == HR_ROLE, Role.organization_id == organization_id
        )
        return await self._session.scalar(statement.limit(1)) is not None

    async def hr_organization_ids(self, user_id: int) -> list[int]:
        statement = (
            select(Role.organization_id)
            .where(Role.user_id == user_id, Role.role == HR_ROLE, Role.organization_id.is_not(None))
            .distinct()
        )
        ids = await self._session.scalars(statement)
        return sorted(organization_id for organization_id in ids if organization_id is not None)

    # --- Membership ------------------------------------------------------------------------------

    async def membership(self, user_id: int) -> Organization | None:
        statement = select(Organization).join(User, User.organization_id == Organization.id).where(User.id == user_id)
        return await self._session.scalar(statement)

    async def set_membership(self, user_id: int, organization_id: int | None) -> bool:
        """True when the person has an account (and so now belongs to the organization, with the next member
        number: the organization's row is locked until the commit, so two joining at once get two numbers)."""
        member = update(User).where(User.id == user_id)
        result = await self._session.execute(member.values(organization_id=organization_id, member_number=None))
        if affected(result) != 1:
            return False  # no account: no number used up either
        if organization_id is not None:
            number = await self._session.scalar(
                update(Organization)
                .where(Organization.id == organization_id)
                .values(last_member_number=Organization.last_member_number + 1)
                .returning(Organization.last_member_number)
            )
            await self._session.execute(member.values(member_number=number))
        return True

    async def counts(self, organization_id: int, today: date) -> MemberCounts:
        """Today's counts of the organization's members, in one pass over its entries."""
        checked_in = User.last_checkin_on == today
        statement = select(
            func.count(),
            func.count().filter(checked_in),
            func.count().filter(User.colour == "green"),
            func.count().filter(User.colour == "yellow"),
            func.count().filter(User.colour == "red"),
            func.count().filter(User.colour.is_(None)),
            func.count().filter(User.unreachable_since.is_not(None)),
        ).where(User.organization_id == organization_id)
        members, checked, green, yellow, red, no_code, unreachable = (await self._session.execute(statement)).one()
        return MemberCounts(
            members=members,
            checked_in=checked,
            green=green,
            yellow=yellow,
            red=red,
            no_code=no_code,
            unreachable=unreachable,
            not_green=members - green,
        )

    async def checkins_by_day(
        self, organization_id: int, first: date, last: date
    ) -> list[tuple[date, str | None, int]]:
        """(day, colour, check-ins) for the organization's members from `first` to `last`, in one GROUP BY.

        The colour is each member's colour now, not on that day: the colour of a past day would need the
        latest assessment per person per day (a window over every change), while this walks the members
        by the (organization_id, ...) index and each one's check-ins by the (user_id, day) unique index.
        """
        statement = (
            select(CheckIn.day, User.colour, func.count())
            .join(User, User.id == CheckIn.user_id)
            .where(User.organization_id == organization_id, CheckIn.day >= first, CheckIn.day <= last)
            .group_by(CheckIn.day, User.colour)
        )
        return [(day, colour, count) for day, colour, count in (await self._session.execute(statement)).all()]

    async def stored_days(self, organization_id: int, first: date, last: date) -> dict[date, dict[str | None, int]]:
        """The organization's stored days from `first` to `last` (check-ins by colour, the zeros left out),
        by the primary key: as many rows as days, whatever the organization's size."""
        statement = select(OrganizationDay).where(
            OrganizationDay.organization_id == organization_id,
            OrganizationDay.day >= first,
            OrganizationDay.day <= last,
        )
        return {row.day: _counts_of(row) for row in await self._session.scalars(statement)}

    async def stored_city_days(self, first: date, last: date) -> dict[date, dict[str | None, int]]:
        """Everyone's stored days from `first` to `last`, as `stored_days` an organization's."""
        statement = select(CityDay).where(CityDay.day >= first, CityDay.day <= last)
        return {row.day: _counts_of(row) for row in await self._session.scalars(statement)}

    async def store_city_days(self, days: dict[date, dict[str | None, int]]) -> None:
        """As `store_days`, for everyone: a day already stored stays as it was."""
        rows = [{"day": day, **_counts_row(counts)} for day, counts in days.items()]
        if rows:
            statement = dialect_insert(self._session, CityDay).values(rows)
            await self._session.execute(statement.on_conflict_do_nothing(index_elements=[CityDay.day]))

    async def store_days(self, days: dict[tuple[int, date], dict[str | None, int]]) -> None:
        """Store past days' check-ins by colour, (organization, day) -> counts; a day already stored stays
        as it was (two processes counting the same day, or the daily job run again, agree on the first)."""
        rows = [
            {"organization_id": organization_id, "day": day, **_counts_row(counts)}
            for (organization_id, day), counts in days.items()
        ]
        if rows:
            statement = dialect_insert(self._session, OrganizationDay).values(rows)
            keys = [OrganizationDay.organization_id, OrganizationDay.day]
            await self._session.execute(statement.on_conflict_do_nothing(index_elements=keys))

    async def checked_in_on(self, day: date) -> dict[tuple[int, date], dict[str | None, int]]:
        """Every organization's check-ins on a past `day` by each member's colour now, zeros included.

        One pass over the members (not over check-ins): a member checked in that day when it is their last
        check-in day, or, for those who checked in since, when the (user_id, day) index finds that day.
        """
        statement = (
            select(User.organization_id, User.colour, func.count())
            .where(User.organization_id.is_not(None), _checked_in_on(day))
            .group_by(User.organization_id, User.colour)
        )
        counted: dict[tuple[int, date], dict[str | None, int]] = {
            (organization_id, day): {} for organization_id in await self._session.scalars(select(Organization.id))
        }
        for organization_id, colour, count in await self._session.execute(statement):
            if organization_id is not None:  # never: the statement takes members only
                counted.setdefault((organization_id, day), {})[colour] = count
        return counted

    async def city_checked_in_on(self, day: date) -> dict[str | None, int]:
        """Everyone's check-ins on a past `day` by their colour now, as `checked_in_on` counts members'."""
        statement = select(User.colour, func.count()).where(_checked_in_on(day)).group_by(User.colour)
        return {colour: count for colour, count in (await self._session.execute(statement)).all()}

    async def members_checked_in_by_colour(
        self, organization_id: int, today: date
    ) -> tuple[int, dict[str | None, int]]:
        """The organization's members and today's check-ins by colour, in one pass over the members' own
        rows (by the organization index): the chart needs both, and a second statement was a second walk
        over 60,000 rows and a round trip."""
        checked_in = User.last_checkin_on == today
        row = (
            await self._session.execute(
                select(func.count(), *(func.count().filter(checked_in, colour) for colour in _COLOURS.values())).where(
                    User.organization_id == organization_id
                )
            )
        ).one()
        return row[0], {colour: count for colour, count in zip(_COLOURS, row[1:], strict=True) if count}

    async def city_counts(self, today: date, since: datetime, until: datetime) -> CityCounts:
        """Everyone's colours and today's check-ins in one pass over people (not days), and the checkpoint
        verifications between `since` and `until` by the index on their time."""
        checked_in = User.last_checkin_on == today
        row = (
            await self._session.execute(
                select(
                    func.count(),
                    func.count().filter(User.colour == "green"),
                    func.count().filter(User.colour == "yellow"),
                    func.count().filter(User.colour == "red"),
                    func.count().filter(User.colour.is_(None)),
                    func.count().filter(User.last_checkin_on == today),
                    *(func.count().filter(checked_in, colour) for colour in _COLOURS.values()),
                )
            )
        ).one()
        verifications = await self._session.scalar(
            select(func.count()).select_from(Verification).where(Verification.at >= since, Verification.at < until)
        )
        return CityCounts(
            people=row[0],
            green=row[1],
            yellow=row[2],
            red=row[3],
            no_code=row[4],
            checked_in=row[5],
            verifications=verifications or 0,
            checked_in_colours={colour: count for colour, count in zip(_COLOURS, row[6:], strict=True) if count},
        )

    async def count(self, organization_id: int, who: Who, today: date) -> int:
        statement = select(func.count()).where(members_of(organization_id, who, today))
        return await self._session.scalar(statement) or 0

    async def page(self, organization_id: int, who: Who, today: date, at: Position, size: int) -> list[MemberRow]:
        """At most `size` members from `at`, in list order: by name (case aside), then the nameless, each by id.

        Each query walks the index (organization_id, name_key, id) from the cursor and stops after `size`
        rows, so the last page costs what the first does. The nameless are a second range of the same
        index (name_key IS NULL), because NULL sorts first on SQLite and last on PostgreSQL.
        """
        chosen = members_of(organization_id, who, today)
        named, nameless = User.name_key.is_not(None), User.name_key.is_(None)
        forward = at.direction in (Direction.FIRST, Direction.AFTER)
        # The ranges to read, each a condition and whether it is in name order, in reading order:
        # list order going forward, the reverse going back.
        ranges: list[tuple[ColumnElement[bool], bool]]
        if at.direction is Direction.FIRST:
            ranges = [(named, True), (nameless, False)]
        elif at.direction is Direction.LAST:
            ranges = [(nameless, False), (named, True)]
        else:
            found = (
                await self._session.execute(
                    select(User.name_key).where(User.id == at.user_id, User.organization_id == organization_id)
                )
            ).first()
            if found is None:
                return []  # the cursor's member left (or never was here): the caller starts again
            key = found[0]
            if key is None:
                beyond = User.id > at.user_id if forward else User.id < at.user_id
                ranges = [(and_(nameless, beyond), False)] + ([] if forward else [(named, True)])
            else:
                position, cursor = tuple_(User.name_key, User.id), tuple_(key, at.user_id)
                beyond = position > cursor if forward else position < cursor
                ranges = [(and_(named, beyond), True)] + ([(nameless, False)] if forward else [])
        rows: list[MemberRow] = []
        for condition, by_name in ranges:
            if len(rows) >= size:
                break
            order = [User.name_key, User.id] if by_name else [User.id]
            statement = (
                _member_columns()
                .where(chosen, condition)
                .order_by(*(column if forward else column.desc() for column in order))
                .limit(size - len(rows))
            )
            rows += [_member_row(row) for row in await self._session.execute(statement)]
        return rows if forward else rows[::-1]

    async def stream_members(self, organization_id: int, batch: int = 2000) -> AsyncIterator[list[MemberRow]]:
        """Every member in list order, in lists of up to `batch` read from a server-side cursor: memory stays
        flat, and the caller's work is per batch, not per row."""
        in_organization = User.organization_id == organization_id
        # The two ranges of the index in turn, as the lists show them: no sort of the whole organization.
        for condition, order in (
            (User.name_key.is_not(None), (User.name_key, User.id)),
            (User.name_key.is_(None), (User.id,)),
        ):
            statement = (
                _member_columns().where(in_organization, condition).order_by(*order).execution_options(yield_per=batch)
            )
            result = await self._session.stream(statement)
            # A batch per step: iterating row by row costs a greenlet switch for every row.
            async for rows in result.partitions():
                yield [_member_row(row) for row in rows]

    # --- The daily reminder ----------------------------------------------------------------------

    async def set_reminder(self, organization_id: int, at: time | None, reminded_on: date | None) -> None:
        await self._session.execute(
            update(Organization)
            .where(Organization.id == organization_id)
            .values(reminder_at=at, reminded_on=reminded_on)
        )

    async def due_reminders(self, local_time: time, today: date) -> list[int]:
        """Organizations whose reminder time has come today and that were not reminded today."""
        statement = (
            select(Organization.id)
            .where(
                Organization.reminder_at.is_not(None),
                Organization.reminder_at <= local_time,
                or_(Organization.reminded_on.is_(None), Organization.reminded_on < today),
            )
            .order_by(Organization.id)
        )
        return list(await self._session.scalars(statement))

    async def claim_reminder(self, organization_id: int, today: date) -> bool:
        """Take today's reminder of this organization; False when another run (or bot process) took it first.

        On PostgreSQL the update locks the row until commit, so a second process waits and then finds it taken.
        """
        result = await self._session.execute(
            update(Organization)
            .where(
                Organization.id == organization_id,
                or_(Organization.reminded_on.is_(None), Organization.reminded_on < today),
            )
            .values(reminded_on=today)
        )
        return affected(result) == 1


def members_of(organization_id: int, who: Who, today: date) -> ColumnElement[bool]:
    """The organization's members in `who`, as a condition on users (for a page, a count or a reminder)."""
    condition = User.organization_id == organization_id
    if who is Who.NOT_CHECKED_IN:
        return and_(condition, or_(User.last_checkin_on.is_(None), User.last_checkin_on != today))
    if who is Who.NOT_GREEN:
        return and_(condition, or_(User.colour.is_(None), User.colour != "green"))
    return condition


def _member_columns() -> Select[int, str | None, str | None, date | None, str, bool, int | None]:
    # Only what HR may see; nothing of the answers is read. "Blocked?" is decided by the database: no
    # timestamp to convert for each of 60,000 rows of a CSV file.
    return select(
        User.id,
        User.display_name,
        User.colour,
        User.last_checkin_on,
        User.language,
        User.unreachable_since.is_not(None).label("unreachable"),
        User.member_number,
    )


def _member_row(row: Row[int, str | None, str | None, date | None, str, bool, int | None]) -> MemberRow:
    user_id, name, colour, day, language, unreachable, number = row
    return MemberRow(
        user_id=user_id,
        name=name,
        colour=colour,
        last_checkin=day,
        language=language,
        unreachable=bool(unreachable),
        member_number=number,
    )


_COLOURS: dict[str | None, ColumnElement[bool]] = {
    "green": User.colour == "green",
    "yellow": User.colour == "yellow",
    "red": User.colour == "red",
    None: User.colour.is_(None),
}


def _checked_in_on(day: date) -> ColumnElement[bool]:
    """A person checked in on a past `day`: it is their last check-in day, or, for those who checked in
    again since, the (user_id, day) index finds it (looked up only for them)."""
    since = select(CheckIn.id).where(CheckIn.user_id == User.id, CheckIn.day == day).exists()
    return or_(User.last_checkin_on == day, and_(User.last_checkin_on > day, since))


def _counts_row(counts: dict[str | None, int]) -> dict[str, int]:
    return {
        "green": counts.get("green", 0),
        "yellow": counts.get("yellow", 0),
        "red": counts.get("red", 0),
        "no_code": counts.get(None, 0),
    }


def _counts_of(row: OrganizationDay | CityDay) -> dict[str | None, int]:
    """A stored day's counts by colour, the zeros left out (as a GROUP BY would give them)."""
    counts = {"green": row.green, "yellow": row.yellow, "red": row.red, None: row.no_code}
    return {colour: count for colour, count in counts.items() if count}
