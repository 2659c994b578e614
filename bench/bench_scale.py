"""The bot's jobs and HR views at the size of a city: seed N people by bulk SQL, time the real functions.

Seeds N people (default 100,000 on PostgreSQL, 20,000 on SQLite) with 30 days of history each, written
the way the bot writes it: one organization of 60 % of them and four smaller ones, a declaration at
registration (some declare again), a check-in most days, status rows derived by the bot's own rules
(bot.domain.status) as the bot would have stored them over those days (about 90 % green, 7 % yellow,
3 % red today), a code each, checkpoint verifications, and the big organization's daily reminders.
Then it times each operation by calling the bot's own use cases and prints one line each:

    scale <operation> people=<N> median_ms=<x> queries=<q> cpu_ms=<c>

(`timeout_s=<t>` instead when an operation does not finish in its time). Each operation runs in a
child process, so one that is too slow is killed, its transaction rolled back, and the next one runs.
`--explain` also prints, for each operation, the plan of its costliest statements and whether any of
them reads a table that grows with people x days from end to end (a Seq Scan on PostgreSQL, a SCAN
on SQLite).

    python bench/bench_scale.py [--backend postgresql|sqlite] [--people N] [--url URL]
                                [--only daily_job,report] [--timeout 120] [--explain] [--no-seed]

The database is emptied first (PostgreSQL: its public schema is dropped), so give it a scratch one.
The call sites of the bot are the small `call_*` functions right below: when a use case's signature
changes, they are the only lines to adapt.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib.util
import json
import math
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, event, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.accounts import Account
from bot.broadcast.service import Audience
from bot.codes.service import CodeSettings, current_code
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.db.models import Base, Broadcast, BroadcastRecipient, CityDay, Notice, OrganizationDay, User
from bot.db.repositories.declarations import name_key
from bot.domain.answers import Declaration, Symptom
from bot.domain.status import History, Report, Status, status_at
from bot.domain.tokens import issue_token, key_from_secret
from bot.fsm.storage import SqlStorage
from bot.organizations import chart, export
from bot.organizations.reminders import service as reminders_service
from bot.organizations.report import presenter as report_presenter
from bot.organizations.report import service as report_service
from bot.organizations.service import ListKind
from bot.reminders.presenter import composer
from bot.reminders.service import REMINDER, WARNING, ReminderTimes, queue_due
from bot.retention import purge_expired
from bot.status.daily import reevaluate, store_yesterday
from bot.status.service import local_day

# --- The call sites: one small function per operation ------------------------------------------------


async def call_daily_job(ctx: Context) -> tuple[int, int]:
    """(people re-evaluated, colours or reasons changed)."""
    return await reevaluate(ctx.sessions, ctx.midnight, ctx.zone)


async def call_purge(ctx: Context) -> None:
    await purge_expired(ctx.sessions, SqlStorage(ctx.engine), ctx.now, timedelta(days=RETENTION_DAYS))


async def call_report(ctx: Context) -> None:
    async with ctx.sessions() as session:
        result = await report_service.report(session, HR_ID, (), BIG_ORG, ctx.now, ctx.zone)
    assert result is not None and result.members == ctx.big_members, result


async def call_report_chart(ctx: Context, past: list[chart.ChartDay] | None = None) -> list[chart.ChartDay]:
    """As /report's chart when not cached (drawn in a thread, in Chinese): the first of the day reads the
    13 past days in one GROUP BY; later ones get them from the day's cache (`past`) and count only today.
    Returns the past days."""
    async with ctx.sessions() as session:
        history = await report_service.report_history(session, HR_ID, (), BIG_ORG, ctx.now, ctx.zone, past)
    assert history is not None and history.members == ctx.big_members, history
    with ctx.i18n.context(), ctx.i18n.use_locale("zh"):
        labels = report_presenter.chart_labels(history, "zh")
    png = await asyncio.to_thread(chart.draw, history.days, history.members, labels)
    assert png.startswith(b"\x89PNG")
    return history.days[:-1]


async def call_day_totals(ctx: Context) -> None:
    """The daily job's last step: every organization's check-ins of yesterday by colour, and everyone's,
    stored (their rows deleted first, so each run counts and writes as the first after a midnight does)."""
    yesterday = local_day(ctx.now, ctx.zone) - timedelta(days=1)
    async with ctx.sessions.begin() as session:
        await session.execute(delete(OrganizationDay).where(OrganizationDay.day == yesterday))
        await session.execute(delete(CityDay).where(CityDay.day == yesterday))
    await store_yesterday(ctx.sessions, yesterday)


async def store_past_days(ctx: Context) -> None:
    """The 13 days before today stored as the daily job would have after each of their midnights (not
    timed; a day already stored stays)."""
    today = local_day(ctx.now, ctx.zone)
    for back in range(1, chart.DAYS):
        await store_yesterday(ctx.sessions, today - timedelta(days=back))


async def forget_past_days(ctx: Context) -> None:
    """No stored days for the big organization, as on the first chart after the upgrade (not timed)."""
    async with ctx.sessions.begin() as session:
        await session.execute(delete(OrganizationDay).where(OrganizationDay.organization_id == BIG_ORG))


async def call_list_page(ctx: Context, page: int) -> int:
    """The page shown; its number of pages."""
    async with ctx.sessions() as session:
        shown = await report_service.member_page(
            session, HR_ID, (), BIG_ORG, ListKind.NOT_CHECKED_IN, page, ctx.now, ctx.zone
        )
    assert shown is not None and shown.members, shown
    return shown.pages


async def call_csv_export(ctx: Context) -> None:
    """As HR's CSV button: the members streamed in batches into a spooled file."""
    with ctx.i18n.context(), ctx.i18n.use_locale("en"):
        row = report_presenter.csv_rows()
        with export.CsvFile(report_presenter.csv_headers()) as sheet:
            async with ctx.sessions() as session:
                members = await report_service.export_members(
                    session, HR_ID, (), BIG_ORG, ctx.now, ctx.zone, lambda batch: sheet.add_rows(map(row, batch))
                )
            assert members is not None
            data = sheet.getvalue()
    assert data.count(b"\n") == ctx.big_members + 1


async def call_xlsx_export(ctx: Context) -> None:
    """As HR's Excel button: each batch drawn in a thread, the workbook zipped in a thread."""
    with ctx.i18n.context(), ctx.i18n.use_locale("en"):
        row = report_presenter.xlsx_rows()
        with export.XlsxFile(
            report_presenter.csv_headers(), report_presenter.xlsx_sheet_title(), report_presenter.COLOUR_COLUMN
        ) as sheet:
            async with ctx.sessions() as session:
                members = await report_service.export_members(
                    session,
                    HR_ID,
                    (),
                    BIG_ORG,
                    ctx.now,
                    ctx.zone,
                    lambda batch: asyncio.to_thread(sheet.add_rows, map(row, batch)),
                )
            assert members is not None and members.count == ctx.big_members
            await asyncio.to_thread(sheet.finish)
            assert sheet.getvalue().startswith(b"PK")


async def call_reminder_create(ctx: Context) -> int:
    """What the HR's "send" button does: the audience counted now, the job and its rows stored. The job's id."""
    async with ctx.sessions() as session:
        chosen = await reminders_service.reminder_recipients(
            session, HR_ID, (), BIG_ORG, Audience.EVERYONE, ctx.now, ctx.zone
        )
    assert chosen.count == ctx.big_members
    async with ctx.sessions() as session:
        return await reminders_service.send_reminder(
            session,
            organization_id=BIG_ORG,
            actor_id=HR_ID,
            audience=Audience.EVERYONE,
            text=None,
            now=ctx.now,
            zone=ctx.zone,
            progress_chat_id=HR_ID,
            progress_message_id=1,
        )


def self_reminder_moment(ctx: Context) -> datetime:
    """20:05 local on the day: the default reminders (09:00) and the evening warnings (20:00) are both due."""
    return ctx.now.astimezone(ctx.zone).replace(hour=20, minute=5).astimezone(UTC)


async def call_self_reminders(ctx: Context) -> tuple[int, int]:
    """A person's own reminders: a look of the job (every 30 s in each process). (reminded, warned)."""
    queued = await queue_due(ctx.sessions, composer(ctx.i18n), self_reminder_moment(ctx), ctx.zone, ReminderTimes())
    return queued.reminded, queued.warned


async def forget_self_reminders(ctx: Context) -> None:
    """As before the day's first look, so a run on data a previous run left (--no-seed) measures the same."""
    async with ctx.sessions.begin() as session:
        await session.execute(delete(Notice).where(Notice.kind.in_((REMINDER, WARNING))))
        await session.execute(update(User).values(reminded_on=None, warned_on=None))


async def call_show_code(ctx: Context, account: Account, locale: str) -> None:
    async with ctx.sessions() as session:
        shown = await current_code(session, account, locale, ctx.now, ctx.zone, ctx.code_settings)
    assert shown is not None


def notices_function() -> Callable[..., Awaitable[dict[str, Any]]] | None:
    """bench/bench_notices.py's `measure_notices(count, rate)`, when that benchmark exists."""
    if importlib.util.find_spec("bench.bench_notices") is None:
        return None
    from bench.bench_notices import measure_notices

    return measure_notices


# --- The shape of the city -----------------------------------------------------------------------------

ZONE = ZoneInfo("Asia/Shanghai")
DAYS = 30
# A third of the 30 days is older than this: the purge deletes about a third of the history.
RETENTION_DAYS = 20
FIRST_USER_ID = 5_000_000_000  # Telegram ids of the seeded people; the staff and the HR member sit below
HR_ID = FIRST_USER_ID - 1
STAFF_ID = FIRST_USER_ID - 2
ADMIN_ID = FIRST_USER_ID - 3
BIG_ORG = 1
ORGANIZATIONS = 5
CODE_SECRET = "bench-scale-code-secret"
FILE_ID = "AgACAgIAAxkDAAIBbench"
BIG_TABLES = ("checkins", "assessments", "declarations", "codes", "verifications")
APPLICATION_NAME = "bench_scale_child"

SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "高",
    "林",
    "罗",
]
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "晨",
    "宇",
    "欣怡",
]
LATIN_SURNAMES = [
    "Smith",
    "Garcia",
    "Müller",
    "Kim",
    "Nguyen",
    "Rossi",
    "Ivanova",
    "Tanaka",
    "Dubois",
    "Silva",
    "Khan",
    "Cohen",
]
LATIN_GIVEN = ["Anna", "James", "Maria", "Omar", "Yuki", "Elena", "Lucas", "Priya", "Noah", "Fatima", "Leon", "Sofia"]


def operation_names() -> list[str]:
    return [
        "daily_job",
        "daily_job_again",
        "report",
        "report_chart",
        "report_chart_uncounted",
        "report_chart_later",
        "day_totals",
        "list_page_first",
        "list_page_last",
        "csv_export",
        "xlsx_export",
        "reminder_create",
        "show_code",
        "purge",
        "self_reminders",
        "self_reminders_again",
        "notices_5000",
    ]


# --- Histories: the bot's own rules decide every status row --------------------------------------------


@dataclass(slots=True)
class Event:
    day: int  # 0 .. DAYS-1
    kind: str  # "declaration" or "checkin"
    temperature_c: float
    symptoms: tuple[str, ...] = ()
    # A declaration's answers that differ from the person's usual ones (exposures, a new address).
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class StatusRow:
    day: int
    cause: str  # "declaration", "checkin" or "daily"
    event: int | None  # index into the template's events (the declaration or check-in that caused it)
    status: Status


@dataclass(slots=True)
class Template:
    """One shape of 30 days, shared by many people; the rules are run once per template, not per person."""

    kind: str
    events: list[Event]
    rows: list[StatusRow] = field(default_factory=list)
    evaluated_on: int | None = None
    # The code: issued at this event's time, carrying this status and the status row current then.
    code_event: int = 0
    code_status: Status | None = None
    code_row: int = 0

    @property
    def colour(self) -> str:
        return str(self.rows[-1].status.colour)

    def missed(self) -> set[int]:
        return set(range(DAYS)) - {event.day for event in self.events}


BASE_ANSWERS: dict[str, Any] = {
    "nationality": "CN",
    "id_type": "resident_id",
    "in_ningbo": True,
    "arrival_date": None,
    "places": [],
    "contacts": [],
    "own_status": "none",
}


def _rules_declaration(answers: dict[str, Any], day: date) -> Declaration:
    """What the rules read: only exposures, symptoms and temperature matter, so the person is a placeholder."""
    return Declaration.from_dict(
        {
            **BASE_ANSWERS,
            "full_name": "x",
            "id_number": "x",
            "phone": "x",
            "district": "haishu",
            "address": "x",
            **answers,
            "declared_on": day.isoformat(),
        }
    )


def _differs(previous: Status | None, status: Status) -> bool:
    # bot.status.service._differs on stored rows: a change of colour, reasons, their day, or how they clear.
    if previous is None:
        return True
    return (
        previous.colour,
        previous.reasons,
        previous.other_reasons,
        previous.since,
        previous.clears_by_checkins,
    ) != (status.colour, status.reasons, status.other_reasons, status.since, status.clears_by_checkins)


def simulate(template: Template, first_day: date) -> None:
    """Walk the 30 days as the bot lived them: the daily job after midnight for anyone not green, then the
    day's declaration or check-in, each writing a status row when the status changed."""
    declarations: list[Declaration] = []
    reports: list[Report] = []
    current: Status | None = None
    by_day = {event.day: (index, event) for index, event in enumerate(template.events)}
    for offset in range(DAYS):
        day = first_day + timedelta(days=offset)
        if current is not None and current.colour != "green":
            status = status_at(History(declarations=declarations, reports=reports), day)
            template.evaluated_on = offset
            if _differs(current, status):
                template.rows.append(StatusRow(offset, "daily", None, status))
                current = status
        if offset not in by_day:
            continue
        index, event = by_day[offset]
        if event.kind == "declaration":
            exposures = {key: value for key, value in event.changes.items() if key != "moved"}
            declarations.append(
                _rules_declaration(
                    {**exposures, "temperature_c": event.temperature_c, "symptoms": list(event.symptoms)}, day
                )
            )
        reports.append(Report(day, event.temperature_c, frozenset(Symptom(name) for name in event.symptoms)))
        status = status_at(History(declarations=declarations, reports=reports), day)
        if _differs(current, status):
            template.rows.append(StatusRow(offset, event.kind, index, status))
            current = status
        # Shown after each check-in: the code of that day.
        template.code_event, template.code_status, template.code_row = index, status, len(template.rows) - 1


def _normal(rng: random.Random) -> float:
    return round(rng.uniform(36.0, 36.9), 1)


def make_template(kind: str, rng: random.Random) -> Template:
    """kinds: green, recovered (yellow weeks ago), yellow, clearing (yellow that ends tonight), contact
    (red: close contact of a confirmed case in the last 14 days), confirmed (red until an override)."""
    special: dict[int, Event] = {}
    protected: set[int] = set()  # days that must not be missed for the kind to be what it says
    if kind == "recovered":
        day = rng.randint(3, 15)
        special[day] = Event(day, "checkin", 36.6, ("cough",))
        protected = set(range(day + 1, day + 8))
    elif kind == "yellow":
        day = rng.randint(DAYS - 6, DAYS - 1)
        if rng.random() < 0.5:
            special[day] = Event(day, "checkin", round(rng.uniform(37.3, 38.4), 1), ("fever",))
        else:
            special[day] = Event(day, "checkin", _normal(rng), ("cough",))
    elif kind == "clearing":
        day = DAYS - 8
        special[day] = Event(day, "checkin", 36.7, ("other_respiratory",))
        protected = set(range(day + 1, DAYS))
    elif kind == "contact":
        day = rng.randint(DAYS - 13, DAYS - 1)
        special[day] = Event(day, "declaration", _normal(rng), (), {"contacts": ["confirmed_case"]})
    elif kind == "confirmed":
        day = rng.randint(5, DAYS - 2)
        special[day] = Event(day, "declaration", _normal(rng), (), {"own_status": "confirmed"})
    moved = rng.random() < 0.05  # some declare again because their address changed
    moved_on = rng.randint(5, DAYS - 1)
    events = [Event(0, "declaration", _normal(rng), ())]
    for day in range(1, DAYS):
        if day in special:
            events.append(special[day])
        elif moved and day == moved_on:
            events.append(Event(day, "declaration", _normal(rng), (), {"moved": True}))
        elif day in protected or rng.random() >= 0.06:
            symptoms = ("fatigue",) if rng.random() < 0.02 else ()
            events.append(Event(day, "checkin", _normal(rng), symptoms))
    return Template(kind, events)


KINDS = {"green": 0.81, "recovered": 0.09, "yellow": 0.045, "clearing": 0.025, "contact": 0.02, "confirmed": 0.01}
TEMPLATES_PER_KIND = 60


def make_templates(first_day: date, rng: random.Random, shapes: int = TEMPLATES_PER_KIND) -> dict[str, list[Template]]:
    templates = {kind: [make_template(kind, rng) for _ in range(shapes)] for kind in KINDS}
    for group in templates.values():
        for template in group:
            simulate(template, first_day)
    return templates


# --- Rows: what the bot would have stored ---------------------------------------------------------


@dataclass(slots=True)
class Ids:
    declaration: int = 0
    checkin: int = 0
    assessment: int = 0
    verification: int = 0
    recipient: int = 0


@dataclass(slots=True)
class Chunk:
    users: list[dict[str, Any]] = field(default_factory=list)
    declarations: list[dict[str, Any]] = field(default_factory=list)
    checkins: list[dict[str, Any]] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    codes: list[dict[str, Any]] = field(default_factory=list)
    verifications: list[dict[str, Any]] = field(default_factory=list)
    broadcast_recipients: list[dict[str, Any]] = field(default_factory=list)

    def tables(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        # Parents before children: the foreign keys are checked as rows arrive.
        yield "users", self.users
        yield "declarations", self.declarations
        yield "checkins", self.checkins
        yield "assessments", self.assessments
        yield "codes", self.codes
        yield "verifications", self.verifications
        yield "broadcast_recipients", self.broadcast_recipients


def organization_of(index: int) -> int | None:
    share = (index * 7919) % 100  # spread evenly, not in blocks of ids
    if share < 60:
        return BIG_ORG
    if share < 92:
        return 2 + share % (ORGANIZATIONS - 1)
    return None


def big_members(people: int) -> int:
    return sum(1 for index in range(people) if organization_of(index) == BIG_ORG)


def _at(day: date, minutes: int) -> datetime:
    """A local time on `day` (minutes after midnight in Ningbo), as stored: UTC."""
    return _midnight(day) + timedelta(minutes=minutes)


@functools.cache
def _midnight(day: date) -> datetime:
    # Cached: converting through the time zone was a third of the seeding time.
    return datetime.combine(day, clock_time(0), ZONE).astimezone(UTC)


def _status_fields(status: Status) -> dict[str, Any]:
    return {
        "colour": str(status.colour),
        "reasons": list(status.reasons),
        "other_reasons": list(status.other_reasons),
        "period_days": status.period_days,
        "starts_on": status.since,
        "ends_on": status.changes_on,
        "next_step": status.next_step,
        "clears_by_checkins": status.clears_by_checkins,
        "rules_version": status.rules_version,
    }


def person_rows(
    index: int, template: Template, first_day: date, rng: random.Random, ids: Ids, chunk: Chunk, now: datetime
) -> None:
    user_id = FIRST_USER_ID + index
    organization_id = organization_of(index)
    chinese = rng.random() < 0.8
    if chinese:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN))
        person = {
            "full_name": name,
            "nationality": "CN",
            "id_type": "resident_id",
            "id_number": f"3302{rng.randrange(10**13, 10**14)}",
        }
    else:
        person = {
            "full_name": f"{rng.choice(LATIN_GIVEN)} {rng.choice(LATIN_SURNAMES)}",
            "nationality": rng.choice(("US", "DE", "KR", "RU", "FR", "IN")),
            "id_type": "passport",
            "id_number": f"E{rng.randrange(10**7, 10**8)}",
        }
    district = rng.choice(("haishu", "jiangbei", "beilun", "zhenhai", "yinzhou", "cixi", "yuyao"))
    person |= {
        "phone": f"+86138{rng.randrange(10**7, 10**8)}",
        "district": district,
        "address": f"{rng.randint(1, 999)} Zhongshan Road, building {rng.randint(1, 30)}",
    }
    minute = rng.randint(6 * 60 + 30, 9 * 60 + 30)  # each person checks in at their own time of the morning
    event_at = [
        _at(first_day + timedelta(days=event.day), minute + int(rng.random() * 20)) for event in template.events
    ]
    created = event_at[0] - timedelta(minutes=3)
    unreachable = rng.random() < 0.01
    chunk.users.append(
        {
            "id": user_id,
            "public_id": rng.getrandbits(62),
            "language": "zh" if chinese or rng.random() < 0.1 else "en",
            "privacy_accepted_at": created,
            "created_at": created,
            "status_evaluated_on": (
                first_day + timedelta(days=template.evaluated_on) if template.evaluated_on is not None else None
            ),
            "username": f"member{index}" if rng.random() < 0.4 else None,
            "organization_id": organization_id,
            # Unique in each organization (the person's place in the city), as joining would give.
            "member_number": index + 1 if organization_id is not None else None,
            "unreachable_since": now - timedelta(days=rng.randint(1, 20)) if unreachable else None,
        }
    )
    declaration_of: dict[int, int] = {}
    answers = {**BASE_ANSWERS, **person}
    for position, happening in enumerate(template.events):
        day = first_day + timedelta(days=happening.day)
        declaration_id = None
        if happening.kind == "declaration":
            changes = dict(happening.changes)
            if changes.pop("moved", False):
                answers["address"] = f"{rng.randint(1, 999)} Baizhang Road, building {rng.randint(1, 30)}"
            ids.declaration += 1
            declaration_id = declaration_of[position] = ids.declaration
            declaration = Declaration.from_dict(
                {
                    **answers,
                    **changes,
                    "symptoms": list(happening.symptoms),
                    "temperature_c": happening.temperature_c,
                    "declared_on": day.isoformat(),
                }
            )
            chunk.declarations.append(
                {
                    "id": declaration_id,
                    "user_id": user_id,
                    "answers": declaration.to_dict(),
                    "declared_at": event_at[position],
                }
            )
        ids.checkin += 1
        chunk.checkins.append(
            {
                "id": ids.checkin,
                "user_id": user_id,
                "day": day,
                "temperature_c": happening.temperature_c,
                "symptoms": sorted(happening.symptoms),
                "declaration_id": declaration_id,
                "reported_at": event_at[position],
            }
        )
    # The person's current state on their row, as the bot's writers keep it (bot.db.repositories).
    chunk.users[-1] |= {
        "colour": template.colour,
        "display_name": answers["full_name"],
        "name_key": name_key(answers["full_name"]),
        "last_checkin_on": first_day + timedelta(days=max(event.day for event in template.events)),
    }
    assessment_ids = []
    for row in template.rows:
        ids.assessment += 1
        assessment_ids.append(ids.assessment)
        # Without an event: the daily job's, a few minutes after midnight.
        at = event_at[row.event] if row.event is not None else _at(first_day + timedelta(days=row.day), 5 + index % 30)
        chunk.assessments.append(
            {
                "id": ids.assessment,
                "user_id": user_id,
                "declaration_id": declaration_of.get(row.event) if row.event is not None else None,
                "cause": row.cause,
                **_status_fields(row.status),
                "assessed_at": at,
                "notified_at": at,
            }
        )
    issued = event_at[template.code_event] + timedelta(minutes=1)
    expires = issued + timedelta(hours=24)
    public_id = chunk.users[-1]["public_id"]
    assert template.code_status is not None
    chunk.codes.append(
        {
            "user_id": user_id,
            "assessment_id": assessment_ids[template.code_row],
            "token": issue_token(public_id, int(issued.timestamp()), int(expires.timestamp()), SIGNING_KEY),
            "colour": str(template.code_status.colour),
            "language": chunk.users[-1]["language"],
            "issued_at": issued,
            "expires_at": expires,
            "file_id": f"{FILE_ID}{index}",
            "status": template.code_status.to_dict(),
        }
    )
    if rng.random() < 0.2:  # checked at a checkpoint now and then: the entrance of a campus, a market
        for position in rng.sample(range(len(template.events)), k=min(5, len(template.events))):
            ids.verification += 1
            at = event_at[position] + timedelta(minutes=rng.randint(20, 90))
            chunk.verifications.append(
                {
                    "id": ids.verification,
                    "at": at,
                    "staff_id": STAFF_ID,
                    "holder_id": user_id,
                    "token_issued_at": event_at[position],
                    "valid": True,
                    "reason": "ok",
                    "colour": "green" if template.kind in ("green", "recovered") else None,
                    "temperature_c": _normal(rng) if rng.random() < 0.5 else None,
                }
            )
    if organization_id == BIG_ORG:
        # The big organization's daily reminder of the last 20 days reached whoever had not checked in.
        for missed in template.missed():
            if missed >= DAYS - 20:
                ids.recipient += 1
                chunk.broadcast_recipients.append(
                    {
                        "id": ids.recipient,
                        "broadcast_id": missed - (DAYS - 20) + 1,
                        "user_id": user_id,
                        "state": "blocked" if unreachable else "sent",
                        "attempts": 0 if unreachable else 1,
                        "next_attempt_at": None,
                        "done_at": _at(first_day + timedelta(days=missed), 8 * 60 + 31),
                    }
                )


SIGNING_KEY = key_from_secret(CODE_SECRET)


MEMBER_NUMBERS_GIVEN = 10_000_000


def fixed_rows(first_day: date, now: datetime) -> list[tuple[str, list[dict[str, Any]]]]:
    """Organizations, their HR member, and the big organization's daily reminders (done)."""
    organizations_ = [
        {
            "id": number,
            "name_en": f"Organization {number}" if number != BIG_ORG else "Ningbo University",
            "name_zh": f"单位 {number}" if number != BIG_ORG else "宁波大学",
            "invite_code": f"invite{number:06d}",
            "reminder_at": clock_time(8, 30) if number == BIG_ORG else None,
            "reminded_on": first_day + timedelta(days=DAYS - 1) if number == BIG_ORG else None,
            "created_by": ADMIN_ID,
            "created_at": _at(first_day, 0) - timedelta(days=5),
            # Past every seeded member's number (at most the size of the city), so a later join takes a new one.
            "last_member_number": MEMBER_NUMBERS_GIVEN,
        }
        for number in range(1, ORGANIZATIONS + 1)
    ]
    roles = [
        {
            "id": number,
            "user_id": HR_ID if number == BIG_ORG else HR_ID - 10 - number,
            "role": "hr",
            "organization_id": number,
            "granted_by": ADMIN_ID,
            "granted_at": _at(first_day, 0) - timedelta(days=5),
        }
        for number in range(1, ORGANIZATIONS + 1)
    ]
    roles.append(
        {
            "id": ORGANIZATIONS + 1,
            "user_id": STAFF_ID,
            "role": "staff",
            "organization_id": None,
            "granted_by": ADMIN_ID,
            "granted_at": _at(first_day, 0) - timedelta(days=5),
        }
    )
    broadcasts = [
        {
            "id": number,
            "organization_id": BIG_ORG,
            "created_by": None,
            "created_at": _at(first_day + timedelta(days=DAYS - 20 + number - 1), 8 * 60 + 30),
            "audience": "not_checked_in",
            "text": None,
            "status": "done",
            "claimed_by": None,
            "claimed_until": None,
            "progress_chat_id": None,
            "progress_message_id": None,
            "finished_at": _at(first_day + timedelta(days=DAYS - 20 + number - 1), 8 * 60 + 45),
        }
        for number in range(1, 21)
    ]
    return [("organizations", organizations_), ("roles", roles), ("broadcasts", broadcasts)]


# --- Seeding by bulk SQL ------------------------------------------------------------------------------


def reset_schema(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:

        async def drop() -> None:
            await _create_database_if_missing(url)
            engine = create_engine(url, pool_size=1)
            try:
                async with engine.begin() as connection:
                    await connection.execute(text("DROP SCHEMA public CASCADE"))
                    await connection.execute(text("CREATE SCHEMA public"))
            finally:
                await engine.dispose()

        asyncio.run(drop())
    upgrade(url)


async def _create_database_if_missing(url: str) -> None:
    """`make bench-scale` on a fresh machine: the default scratch database is made on first use."""
    import asyncpg

    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        connection = await asyncpg.connect(plain)
    except asyncpg.InvalidCatalogNameError:
        base, name = plain.rsplit("/", 1)
        connection = await asyncpg.connect(f"{base}/postgres")
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
    else:
        await connection.close()


class PostgresWriter:
    """COPY through asyncpg: the fastest way in, a few hundred thousand rows a second."""

    def __init__(self, url: str) -> None:
        self._url = url.replace("postgresql+asyncpg://", "postgresql://")
        self._connection: Any = None

    async def __aenter__(self) -> PostgresWriter:
        import asyncpg

        self._connection = await asyncpg.connect(self._url)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._connection.close()

    async def write(self, table_name: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table = Base.metadata.tables[table_name]
        columns = [column.name for column in table.columns]
        # asyncpg sends a json column as its text.
        as_json = {column.name for column in table.columns if column.type.__class__.__name__ == "JSON"}
        records = [
            tuple(json.dumps(row.get(name)) if name in as_json else row.get(name) for name in columns) for row in rows
        ]
        await self._connection.copy_records_to_table(table_name, records=records, columns=columns)

    async def finish(self) -> None:
        for table in Base.metadata.sorted_tables:
            if "id" in table.columns:
                sequence = await self._connection.fetchval("SELECT pg_get_serial_sequence($1, 'id')", table.name)
                if sequence is not None:
                    await self._connection.execute(
                        f"SELECT setval('{sequence}', COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                    )
        # What autovacuum does within a minute of a bulk load; without it the planner guesses blind.
        await self._connection.execute("VACUUM ANALYZE")


class SqliteWriter:
    """executemany through SQLAlchemy Core (so dates, JSON and UTC times are stored as the bot stores them),
    in one transaction per chunk."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine as create_sync_engine

        self._engine = create_sync_engine(url.replace("sqlite+aiosqlite", "sqlite"))
        self._connection: Any = None

    async def __aenter__(self) -> SqliteWriter:
        self._connection = self._engine.connect()
        self._connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        self._connection.exec_driver_sql("PRAGMA synchronous=OFF")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._connection.commit()
        self._connection.close()
        self._engine.dispose()

    async def write(self, table_name: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            table = Base.metadata.tables[table_name]
            columns = [column.name for column in table.columns]
            self._connection.execute(table.insert(), [{name: row.get(name) for name in columns} for row in rows])

    async def finish(self) -> None:
        self._connection.commit()


CHUNK_PEOPLE = 5_000


async def seed(
    url: str, people: int, first_day: date, now: datetime, shapes: int = TEMPLATES_PER_KIND
) -> dict[str, int]:
    """The city's rows; the number of people of each kind (`shapes`: histories computed for each kind)."""
    rng = random.Random(20200219)
    templates = make_templates(first_day, rng, shapes)
    kinds = list(KINDS)
    weights = [KINDS[kind] for kind in kinds]
    counts = dict.fromkeys(kinds, 0)
    colours = {"green": 0, "yellow": 0, "red": 0}
    writer: PostgresWriter | SqliteWriter = PostgresWriter(url) if url.startswith("postgresql") else SqliteWriter(url)
    ids = Ids()
    async with writer:
        for table, rows in fixed_rows(first_day, now):
            await writer.write(table, rows)
        for start in range(0, people, CHUNK_PEOPLE):
            chunk = Chunk()
            for index in range(start, min(people, start + CHUNK_PEOPLE)):
                kind = rng.choices(kinds, weights)[0]
                template = rng.choice(templates[kind])
                counts[kind] += 1
                colours[template.colour] += 1
                person_rows(index, template, first_day, rng, ids, chunk, now)
            for table, rows in chunk.tables():
                await writer.write(table, rows)
        await writer.finish()
    return {**counts, **{f"now_{colour}": count for colour, count in colours.items()}}


async def table_sizes(url: str) -> list[tuple[str, int, int]]:
    """(table, rows, bytes with its indexes and TOAST) on PostgreSQL."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            sizes = []
            for table in Base.metadata.sorted_tables:
                rows = await connection.scalar(text(f"SELECT count(*) FROM {table.name}"))
                size = await connection.scalar(text("SELECT pg_total_relation_size(:name)"), {"name": table.name})
                sizes.append((table.name, int(rows or 0), int(size or 0)))
            return sizes
    finally:
        await engine.dispose()


# --- Running one operation in a child process ----------------------------------------------------


@dataclass(slots=True)
class Context:
    engine: Any
    sessions: async_sessionmaker[AsyncSession]
    people: int
    big_members: int
    now: datetime
    midnight: datetime
    zone: ZoneInfo
    i18n: Any
    code_settings: CodeSettings


# How often each operation is timed; one that changes the data it works on (daily_job, purge) runs once.
RUNS = {
    "daily_job_again": 5,
    "report": 5,
    "report_chart": 5,
    "report_chart_uncounted": 5,
    "report_chart_later": 5,
    "day_totals": 5,
    "list_page_first": 5,
    "list_page_last": 5,
    "csv_export": 3,
    "xlsx_export": 3,
    "reminder_create": 3,
    "show_code": 20,
    "self_reminders_again": 5,
}


def _settle(url: str) -> None:
    """On PostgreSQL, a killed child's statement would go on running (and holding its locks) in the server."""
    if not url.startswith("postgresql"):
        return

    async def terminate() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name AND datname = current_database()"
                    ),
                    {"name": APPLICATION_NAME},
                )
        finally:
            await engine.dispose()

    asyncio.run(terminate())


def child_main(url: str, operation: str, people: int, now: datetime, explain: bool, pipe: Any) -> None:
    # The imports are done by now: the operation's time starts here, not with the process.
    pipe.send(("ready",))
    try:
        result = asyncio.run(_child(url, operation, people, now, explain, pipe))
    except BaseException as error:  # reported to the parent, which prints it on the operation's line
        pipe.send(("error", f"{type(error).__name__}: {error}"))
        raise
    pipe.send(("done", result))


async def _child(url: str, operation: str, people: int, now: datetime, explain: bool, pipe: Any) -> dict[str, Any]:
    from bot.i18n import create_i18n

    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        event.listen(engine.sync_engine, "connect", _name_connection)
    queries = [0]
    seen: dict[str, list[float]] = {}
    started: dict[int, float] = {}

    def before(_conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        queries[0] += 1
        if explain:
            if statement not in seen:
                seen[statement] = [0.0, 0]
                pipe.send(("statement", statement, _picklable(parameters)))
            started[id(cursor)] = time.perf_counter()

    def after(_conn: Any, cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        if explain and id(cursor) in started:
            seen[statement][0] += time.perf_counter() - started.pop(id(cursor))
            seen[statement][1] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    ctx = Context(
        engine=engine,
        sessions=create_session_factory(engine),
        people=people,
        big_members=big_members(people),
        now=now,
        midnight=now.astimezone(ZONE).replace(hour=0, minute=5, second=0, microsecond=0),
        zone=ZONE,
        i18n=create_i18n(),
        code_settings=CodeSettings(bot_username="health_code_bot", keys=(SIGNING_KEY,)),
    )
    try:
        timings, counts, extra = await _run(ctx, operation)
    finally:
        await engine.dispose()
    return {
        "median_ms": statistics.median(timings) * 1000,
        "queries": int(statistics.median(counts)) if counts else 0,
        "runs": len(timings),
        "times": dict(seen),
        "extra": extra,
    }


async def _run(ctx: Context, operation: str) -> tuple[list[float], list[int], dict[str, Any]]:
    engine = ctx.engine
    counter: list[int] = []
    timings: list[float] = []
    # This process's CPU per run (threads included, the database server not): on a shared machine the
    # wall time moves with the load, this much less.
    cpu: list[float] = []
    extra: dict[str, Any] = {}

    def count_queries() -> Callable[[], int]:
        box = [0]

        def listener(*_args: Any) -> None:
            box[0] += 1

        event.listen(engine.sync_engine, "before_cursor_execute", listener)

        def stop() -> int:
            event.remove(engine.sync_engine, "before_cursor_execute", listener)
            return box[0]

        return stop

    async def timed(call: Callable[[], Awaitable[Any]]) -> Any:
        stop = count_queries()
        started = time.perf_counter()
        started_cpu = time.process_time()
        try:
            return await call()
        finally:
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            counter.append(stop())

    runs = RUNS.get(operation, 1)
    if operation == "daily_job":
        extra["reevaluated"], extra["changed"] = await timed(lambda: call_daily_job(ctx))
    elif operation == "daily_job_again":
        await call_daily_job(ctx)  # the first run of the day (in case daily_job was not run); not timed
        for _ in range(runs):
            await timed(lambda: call_daily_job(ctx))
    elif operation == "report":
        for _ in range(runs):
            await timed(lambda: call_report(ctx))
    elif operation == "report_chart":
        await store_past_days(ctx)
        for _ in range(runs):
            await timed(lambda: call_report_chart(ctx))
    elif operation == "report_chart_uncounted":
        for _ in range(runs):
            await forget_past_days(ctx)
            await timed(lambda: call_report_chart(ctx))
    elif operation == "day_totals":
        for _ in range(runs):
            await timed(lambda: call_day_totals(ctx))
    elif operation == "report_chart_later":
        past = await call_report_chart(ctx)
        for _ in range(runs):
            await timed(lambda: call_report_chart(ctx, past))
    elif operation in ("list_page_first", "list_page_last"):
        pages = await call_list_page(ctx, 0)
        page = 0 if operation == "list_page_first" else pages - 1
        extra["page"] = page + 1
        for _ in range(runs):
            await timed(lambda: call_list_page(ctx, page))
    elif operation == "csv_export":
        for _ in range(runs):
            await timed(lambda: call_csv_export(ctx))
    elif operation == "xlsx_export":
        for _ in range(runs):
            await timed(lambda: call_xlsx_export(ctx))
    elif operation == "reminder_create":
        for _ in range(runs):
            broadcast_id = await timed(lambda: call_reminder_create(ctx))
            async with ctx.sessions.begin() as session:  # left as it was, so each run starts alike
                # No foreign key cascades into the recipients (migration 0012).
                await session.execute(delete(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id))
                await session.execute(delete(Broadcast).where(Broadcast.id == broadcast_id))
    elif operation == "show_code":
        # A different person each time, each showing their code for the first time today (a renewal).
        async with ctx.sessions() as session:
            rows = (
                await session.execute(
                    select(User.id, User.public_id, User.language)
                    .where(User.organization_id == BIG_ORG)
                    .order_by(User.id)
                    .limit(runs * 50)
                )
            ).all()
        for user_id, public_id, language in rows[::50][:runs]:
            account = Account(id=user_id, public_id=public_id, language=language)
            await timed(functools.partial(call_show_code, ctx, account, language))
    elif operation == "purge":
        await timed(lambda: call_purge(ctx))
    elif operation == "self_reminders":
        await forget_self_reminders(ctx)
        extra["reminded"], extra["warned"] = await timed(lambda: call_self_reminders(ctx))
    elif operation == "self_reminders_again":
        await forget_self_reminders(ctx)
        await call_self_reminders(ctx)  # the day's first look; not timed
        for _ in range(runs):
            extra["reminded"], extra["warned"] = await timed(lambda: call_self_reminders(ctx))
    elif operation == "notices_5000":
        measure = notices_function()
        assert measure is not None
        result = await timed(lambda: measure(count=5000, rate=25.0))
        extra.update(result)
    else:
        raise SystemExit(f"unknown operation {operation}")
    if cpu:
        extra["cpu_ms"] = f"{statistics.median(cpu) * 1000:.1f}"
    return timings, counter, extra


def _name_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"SET application_name = '{APPLICATION_NAME}'")
    cursor.close()


def _picklable(parameters: Any) -> Any:
    if isinstance(parameters, dict):
        return {key: _picklable(value) for key, value in parameters.items()}
    if isinstance(parameters, list | tuple):
        return [_picklable(value) for value in parameters]
    return parameters


@dataclass(slots=True)
class Outcome:
    operation: str
    result: dict[str, Any] | None = None
    error: str | None = None
    timed_out: float | None = None
    statements: list[tuple[str, Any]] = field(default_factory=list)


STARTUP_ALLOWANCE = 300.0


def run_operation(url: str, operation: str, people: int, now: datetime, explain: bool, timeout: float) -> Outcome:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=child_main, args=(url, operation, people, now, explain, sender), daemon=True)
    child.start()
    sender.close()
    outcome = Outcome(operation)
    # Importing the bot takes a second on a quiet machine and half a minute on a busy one: not the operation's.
    deadline = time.monotonic() + timeout + STARTUP_ALLOWANCE
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            child.kill()
            child.join()
            _settle(url)
            outcome.timed_out = timeout
            return outcome
        if not receiver.poll(min(remaining, 1.0)):
            if not child.is_alive() and not receiver.poll():
                outcome.error = outcome.error or f"exit code {child.exitcode}"
                return outcome
            continue
        try:
            message = receiver.recv()
        except EOFError:
            child.join()
            outcome.error = outcome.error or f"exit code {child.exitcode}"
            return outcome
        if message[0] == "ready":
            deadline = time.monotonic() + timeout
        elif message[0] == "statement":
            outcome.statements.append((message[1], message[2]))
        elif message[0] == "error":
            outcome.error = message[1]
        elif message[0] == "done":
            outcome.result = message[1]
            child.join()
            return outcome


# --- EXPLAIN: does a path read a table that grows with people x days from end to end? --------------------


def _explainable(statement: str) -> bool:
    head = statement.lstrip().split(None, 1)[0].upper()
    if head == "INSERT":
        return " SELECT " in statement.upper() and " VALUES " not in statement.upper()
    return head in ("SELECT", "UPDATE", "DELETE", "WITH")


def full_scans(plan: list[str], sqlite: bool) -> list[str]:
    tables = []
    for line in plan:
        for table in BIG_TABLES:
            if sqlite:
                # "SCAN checkins" reads the whole table; "SEARCH checkins USING INDEX ..." does not.
                words = line.replace("SCAN TABLE", "SCAN").split()
                if "SCAN" in words and words.index("SCAN") + 1 < len(words) and words[words.index("SCAN") + 1] == table:
                    tables.append(table)
            elif f"Seq Scan on {table} " in line + " ":
                tables.append(table)
    return sorted(set(tables))


async def explain_statements(url: str, statements: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    """Each statement's full scans of the big tables (its plan only: nothing is executed)."""
    explained = []
    if url.startswith("postgresql"):
        import asyncpg

        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            for statement, parameters in statements:
                try:
                    rows = await connection.fetch("EXPLAIN " + statement, *(parameters or ()))
                    plan = [row[0] for row in rows]
                except Exception as error:  # noqa: BLE001 - a plan that cannot be had is reported, not fatal
                    plan = [f"(no plan: {type(error).__name__})"]
                explained.append((statement, full_scans(plan, sqlite=False)))
        finally:
            await connection.close()
    else:
        import sqlite3

        database = sqlite3.connect(url.split("///", 1)[1])
        try:
            for statement, parameters in statements:
                try:
                    rows = database.execute("EXPLAIN QUERY PLAN " + statement, parameters or ()).fetchall()
                    plan = [str(row[-1]) for row in rows]
                except sqlite3.Error as error:
                    plan = [f"(no plan: {type(error).__name__})"]
                explained.append((statement, full_scans(plan, sqlite=True)))
        finally:
            database.close()
    return explained


def print_explain(url: str, outcome: Outcome, people: int) -> None:
    times = outcome.result["times"] if outcome.result else {}
    candidates = [(statement, parameters) for statement, parameters in outcome.statements if _explainable(statement)]
    # The costliest first: those are the operation's main statements. A killed run has no times; the
    # statement it was stuck in is the last one it started.
    if times:
        candidates.sort(key=lambda item: -times.get(item[0], [0.0, 0])[0])
    else:
        candidates.reverse()
    candidates = candidates[:5]
    explained = asyncio.run(explain_statements(url, candidates))
    scanned = sorted({table for _statement, tables in explained for table in tables})
    for statement, tables in explained:
        spent, calls = times.get(statement, [math.nan, 0])
        sql = " ".join(statement.split())[:110]
        # A statement of a run killed at its timeout has no time: it had not finished.
        ms = "unfinished" if math.isnan(spent) else f"{spent * 1000:.1f}"
        print(
            f"explain {outcome.operation} people={people} ms={ms} calls={calls} "
            f"seq_scan={','.join(tables) or 'none'} sql={sql}",
            flush=True,
        )
    print(
        f"explain {outcome.operation} people={people} seq_scan_on_big_tables={','.join(scanned) or 'none'}", flush=True
    )


# --- Main ------------------------------------------------------------------------------------------


def default_url(backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{Path(tempfile.gettempdir()) / 'bench_scale.sqlite3'}"
    return os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_scale")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--people", type=int, help="default 100,000 on PostgreSQL, 20,000 on SQLite")
    parser.add_argument("--url", help="a scratch database (emptied first); default $BENCH_POSTGRES_URL or a temp file")
    parser.add_argument("--only", help=f"comma-separated, of: {','.join(operation_names())}")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per operation (notices_5000: x5)")
    parser.add_argument("--explain", action="store_true", help="plans of each operation's main statements")
    parser.add_argument("--no-seed", action="store_true", help="use the data a previous run left (as it left it)")
    args = parser.parse_args()
    people = args.people or (20_000 if args.backend == "sqlite" else 100_000)
    url = args.url or default_url(args.backend)
    if url.startswith("sqlite") != (args.backend == "sqlite"):
        parser.error("--url does not match --backend")
    chosen = operation_names()
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(wanted) - set(chosen))
        if unknown:
            parser.error(f"unknown operation(s): {', '.join(unknown)}")
        chosen = [name for name in chosen if name in wanted]

    # The day the job runs: the seeded history is the 30 days before it.
    now = datetime.now(UTC).astimezone(ZONE).replace(hour=9, minute=0, second=0, microsecond=0).astimezone(UTC)
    today = now.astimezone(ZONE).date()
    first_day = today - timedelta(days=DAYS)
    if not args.no_seed:
        started = time.perf_counter()
        reset_schema(url)
        kinds = asyncio.run(seed(url, people, first_day, now))
        shares = " ".join(f"{kind}={count}" for kind, count in kinds.items())
        print(
            f"seed people={people} backend={args.backend} seconds={time.perf_counter() - started:.1f} {shares}",
            flush=True,
        )
        if args.backend == "postgresql":
            sizes = asyncio.run(table_sizes(url))
            person_days = people * DAYS
            for table, rows, size in sizes:
                print(
                    f"size {table} rows={rows} bytes={size} bytes_per_person_day={size / person_days:.1f}", flush=True
                )
            total = sum(size for _table, _rows, size in sizes)
            print(f"size all bytes={total} bytes_per_person_day={total / person_days:.1f}", flush=True)

    for operation in chosen:
        if operation == "notices_5000" and notices_function() is None:
            print("scale notices_5000 skipped=not-available", flush=True)
            continue
        timeout = args.timeout * (5 if operation == "notices_5000" else 1)
        outcome = run_operation(url, operation, people, now, args.explain, timeout)
        load = os.getloadavg()[0]
        line = f"scale {operation} people={people}"
        if outcome.timed_out is not None:
            line += f" timeout_s={outcome.timed_out:g}"
        elif outcome.result is None:
            line += f" error={(outcome.error or 'unknown').replace(' ', '_')[:200]}"
        else:
            result = outcome.result
            line += f" median_ms={result['median_ms']:.1f} queries={result['queries']}"
            line += "".join(f" {key}={value}" for key, value in result["extra"].items())
        # The 1-minute load average when it started: on a shared machine the figures move with it.
        print(f"{line} load={load:.1f}", flush=True)
        if args.explain and operation != "notices_5000":
            print_explain(url, outcome, people)


if __name__ == "__main__":
    main()
