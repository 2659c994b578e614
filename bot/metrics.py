"""Prometheus metrics: what an operator watches, none of it about a person.

A `Metrics` is built by `create_metrics()` with a registry of its own (nothing at import time; each
process and each test has its own). The hot path only touches counters and a histogram in memory:
updates by kind and outcome and their latency (`UpdateMetricsMiddleware`), Bot API requests by method
and result (`ApiMetricsMiddleware`). What needs the database (the outbox's depth and oldest notice, the
pool, whether the database answers) is read once per scrape by `refresh()`, with one indexed query;
people by colour city-wide, one pass over everyone, at most every 5 minutes (`PEOPLE_COUNT_EVERY`).

Labels are closed sets: update kinds, handler names from the code, Bot API method names, result kinds
and verdicts. Never a user id, a chat id, a name or a text.

With several processes each serves its own /metrics; Prometheus scrapes every one (deploy/prometheus.yml).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as day_time
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from aiogram.types.update import UpdateTypeLookupError
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from bot.clock import Clock, system_clock
from bot.retry_after import is_paced

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

logger = logging.getLogger(__name__)
updates_logger = logging.getLogger("bot.updates")
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# Seconds. A reply within a second is the target; the upper buckets show a stalled database or a 429 wait.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A scrape must answer even when the database does not: its query gives up after this (seconds).
SCRAPE_QUERY_TIMEOUT = 2.0
# People by colour is one pass over everyone (about 20 ms at 100,000 on PostgreSQL, so a second or so at
# 8 million): counted at most this often in each process, whatever the scrape interval, and given longer.
PEOPLE_COUNT_EVERY = timedelta(minutes=5)
PEOPLE_QUERY_TIMEOUT = 5.0
PEOPLE_COLOURS = {"green": "green", "yellow": "yellow", "red": "red", None: "none"}


@dataclass(slots=True)
class UpdateContext:
    """What the log lines of one update carry: its id, the handler that took it (once known)."""

    update_id: int
    kind: str
    handler: str | None = None


current_update: ContextVar[UpdateContext | None] = ContextVar("current_update", default=None)


class Metrics:
    def __init__(self, registry: CollectorRegistry, clock: Clock = system_clock) -> None:
        self.registry = registry
        self._clock = clock
        self.updates = Counter(
            "healthcode_updates", "Updates handled, by kind and outcome.", ["kind", "outcome"], registry=registry
        )
        self.update_seconds = Histogram(
            "healthcode_update_duration_seconds",
            "Time to handle an update, the bot's middlewares included.",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.api_requests = Counter(
            "healthcode_telegram_requests",
            "Bot API requests by method and result; source: replies, or the paced outbox sender.",
            ["method", "result", "source"],
            registry=registry,
        )
        self.outbox_notices = Gauge(
            "healthcode_outbox_notices", "Notices waiting in the outbox (at the last scrape).", registry=registry
        )
        self.outbox_oldest_seconds = Gauge(
            "healthcode_outbox_oldest_age_seconds",
            "Age of the oldest notice waiting in the outbox; 0 when it is empty.",
            registry=registry,
        )
        self.daily_seconds = Gauge(
            "healthcode_daily_duration_seconds",
            "Duration of this process's last daily re-evaluation.",
            registry=registry,
        )
        self.daily_completed_day = Gauge(
            "healthcode_daily_completed_day_timestamp_seconds",
            "Local midnight starting the last day this process completed the daily re-evaluation for.",
            registry=registry,
        )
        self.daily_reevaluated = Counter(
            "healthcode_daily_reevaluated", "People re-evaluated by the daily job.", registry=registry
        )
        self.daily_changed = Counter(
            "healthcode_daily_changed", "People whose colour the daily job changed.", registry=registry
        )
        self.daily_failures = Counter(
            "healthcode_daily_failures", "Daily re-evaluations that failed (retried a minute later).", registry=registry
        )
        self.verifications = Counter(
            "healthcode_verifications", "Codes checked at checkpoints, by verdict.", ["verdict"], registry=registry
        )
        self.db_pool_in_use = Gauge(
            "healthcode_db_pool_connections_in_use", "Database connections checked out of the pool.", registry=registry
        )
        self.database_up = Gauge(
            "healthcode_database_up", "1 when the outbox query answered at the last scrape, else 0.", registry=registry
        )
        self.people = Gauge(
            "healthcode_people",
            'People city-wide by colour ("none": no code yet), counted at most every 5 minutes.',
            ["colour"],
            registry=registry,
        )
        self._people_counted_at: datetime | None = None
        ProcessCollector(registry=registry)
        # The labelled children, looked up once: `labels()` takes a lock and builds a key every call.
        # Measured with a no-op handler: 11.4 µs an update through the middleware calling it, 3.6 µs cached.
        self._update_children: dict[tuple[str, str], tuple[Any, Any]] = {}
        self._request_children: dict[tuple[str, str, str], Any] = {}

    def update_done(self, kind: str, outcome: str, seconds: float) -> None:
        children = self._update_children.get((kind, outcome))
        if children is None:
            children = (self.updates.labels(kind=kind, outcome=outcome), self.update_seconds.labels(kind=kind))
            self._update_children[(kind, outcome)] = children
        children[0].inc()
        children[1].observe(seconds)

    def request_done(self, method: str, result: str, source: str) -> None:
        child = self._request_children.get((method, result, source))
        if child is None:
            child = self.api_requests.labels(method=method, result=result, source=source)
            self._request_children[(method, result, source)] = child
        child.inc()

    # --- Recorded by the bot ---------------------------------------------------------------------

    def verified(self, verdict: str) -> None:
        self.verifications.labels(verdict=verdict).inc()

    def daily_done(self, seconds: float, reevaluated: int, changed: int, day: date, zone: tzinfo) -> None:
        self.daily_seconds.set(seconds)
        self.daily_reevaluated.inc(reevaluated)
        self.daily_changed.inc(changed)
        self.daily_completed_day.set(datetime.combine(day, day_time(0), tzinfo=zone).timestamp())

    # --- Read at each scrape -----------------------------------------------------------------------

    async def refresh(self, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine) -> None:
        """The gauges that need the database: one indexed query, given up after a short wait."""
        from bot.db.repositories.notices import NoticeRepository

        pool = engine.sync_engine.pool
        checked_out = getattr(pool, "checkedout", None)
        if callable(checked_out):
            self.db_pool_in_use.set(checked_out())
        try:
            async with asyncio.timeout(SCRAPE_QUERY_TIMEOUT), sessions() as session:
                depth, oldest = await NoticeRepository(session).backlog()
        except Exception as error:  # any failure of the database is "down" to the alert, whatever its kind
            logger.warning("metrics: the outbox query failed (%s)", type(error).__name__)
            self.database_up.set(0)
            return
        self.database_up.set(1)
        self.outbox_notices.set(depth)
        if oldest is None:
            self.outbox_oldest_seconds.set(0)
        else:
            stored = oldest if oldest.tzinfo is not None else oldest.replace(tzinfo=UTC)
            self.outbox_oldest_seconds.set(max(0.0, (self._clock() - stored).total_seconds()))
        await self._count_people(sessions)

    async def _count_people(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """People by colour, again only when the last count is PEOPLE_COUNT_EVERY old (or the clock went back)."""
        from bot.db.repositories.users import UserRepository

        now = self._clock()
        if self._people_counted_at is not None and abs(now - self._people_counted_at) < PEOPLE_COUNT_EVERY:
            return
        try:
            async with asyncio.timeout(PEOPLE_QUERY_TIMEOUT), sessions() as session:
                counts = await UserRepository(session).count_by_colour()
        except Exception as error:  # the last count stays; tried again at the next scrape
            logger.warning("metrics: counting people by colour failed (%s)", type(error).__name__)
            return
        self._people_counted_at = now
        for colour, label in PEOPLE_COLOURS.items():
            self.people.labels(colour=label).set(counts.get(colour, 0))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def create_metrics(clock: Clock = system_clock) -> Metrics:
    return Metrics(CollectorRegistry(auto_describe=True), clock)


# --- Updates ---------------------------------------------------------------------------------------


class UpdateMetricsMiddleware(BaseMiddleware):
    """The first of the bot's update middlewares: counts each update by kind and outcome, times it, and
    logs one line for it. Inside aiogram's own (errors, the conversation lock): an exception is seen here
    before the error handler apologises, and the time waiting for a person's earlier update is not counted.

    Outcomes: "handled" (a re-delivered copy skipped included), "unhandled" (no handler took it), "error".
    The line carries the update id, kind, handler, duration and outcome.
    """

    def __init__(self, metrics: Metrics, *, log_level: int = logging.DEBUG) -> None:
        self._metrics = metrics
        self._log_level = log_level

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = update_kind(event)
        context = UpdateContext(update_id=getattr(event, "update_id", 0), kind=kind)
        token = current_update.set(context)
        outcome = "error"
        started = time.perf_counter()
        try:
            result = await handler(event, data)
            outcome = "unhandled" if result is UNHANDLED else "handled"
            return result
        finally:
            seconds = time.perf_counter() - started
            self._metrics.update_done(kind, outcome, seconds)
            if updates_logger.isEnabledFor(self._log_level):
                updates_logger.log(
                    self._log_level,
                    "update %s %s: %s by %s in %.1f ms",
                    context.update_id,
                    kind,
                    outcome,
                    context.handler or "-",
                    seconds * 1000,
                    extra={"duration_ms": round(seconds * 1000, 1), "outcome": outcome},
                )
            current_update.reset(token)


def update_kind(event: TelegramObject) -> str:
    """The update's kind, "unknown" for one this aiogram cannot name (it raises): a closed set either way."""
    if not isinstance(event, Update):
        return "unknown"
    try:
        return event.event_type
    except UpdateTypeLookupError:
        return "unknown"


class HandlerNameMiddleware(BaseMiddleware):
    """Inner, on every event: names the handler that took the update, for its log line (code, not data)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        context = current_update.get()
        found = data.get("handler")
        if context is not None and found is not None:
            callback = found.callback
            name = getattr(callback, "__qualname__", None) or type(callback).__qualname__
            context.handler = f"{getattr(callback, '__module__', '')}.{name}".removeprefix("bot.")
        return await handler(event, data)


# --- Bot API requests ------------------------------------------------------------------------------


def request_result(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    if isinstance(error, TelegramRetryAfter):
        return "429"
    if isinstance(error, TelegramForbiddenError):
        return "403"
    if isinstance(error, TelegramBadRequest):
        return "400"
    if isinstance(error, TelegramServerError):
        return "5xx"
    if isinstance(error, TelegramNetworkError | asyncio.TimeoutError):
        return "network"
    return "other"


class ApiMetricsMiddleware(BaseRequestMiddleware):
    """Counts every request actually made (inside the 429 retries: each try is one)."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        source = "outbox" if is_paced() else "reply"
        try:
            response = await make_request(bot, method)
        except BaseException as error:
            self._metrics.request_done(type(method).__name__, request_result(error), source)
            raise
        self._metrics.request_done(type(method).__name__, "ok", source)
        return response


# --- Serving ---------------------------------------------------------------------------------------

METRICS = web.AppKey("metrics", Metrics)
METRICS_SOURCES = web.AppKey("metrics_sources", tuple)


def add_metrics_route(
    app: web.Application, metrics: Metrics, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    app[METRICS] = metrics
    app[METRICS_SOURCES] = (sessions, engine)
    app.router.add_get("/metrics", serve_metrics)


async def serve_metrics(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    sessions, engine = request.app[METRICS_SOURCES]
    await metrics.refresh(sessions, engine)
    response = web.Response(body=metrics.exposition())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


# --- JSON logs -------------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the update's id and handler when logged
    while an update is handled. The message is the bot's own text, which never carries personal data."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = current_update.get()
        if context is not None:
            entry["update_id"] = context.update_id
            entry["kind"] = context.kind
            if context.handler is not None:
                entry["handler"] = context.handler
        for key in ("duration_ms", "outcome"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The type and the traceback's code lines; an exception's own message may quote data.
            entry["error"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
