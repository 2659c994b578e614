"""Factories that assemble the bot, and the two ways to run it (long polling, webhook).

Nothing here runs at import time: `__main__` calls `run(settings)`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ChatType, ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import errors, fallback
from bot.accounts import Accounts
from bot.appeals import handlers as appeals
from bot.appeals.deadlines import keep_deadlines_now
from bot.background import BackgroundJobs
from bot.broadcast.budget import Budget, LocalBudget, RedisBudget
from bot.broadcast.limits import CEILING, PAID_CEILING, RateLimiter
from bot.broadcast.sender import Sender, default_in_flight
from bot.checkin import handlers as checkin
from bot.clock import Clock, system_clock
from bot.codes import handlers as codes
from bot.codes.cache import CodeCache
from bot.codes.service import CodeSettings
from bot.config import Settings
from bot.db.engine import create_engine, create_session_factory, create_storage_engine
from bot.domain.tokens import key_from_secret
from bot.family import handlers as family
from bot.filters import Has
from bot.fsm.isolation import ChatEventIsolation
from bot.fsm.storage import SqlStorage
from bot.handled_updates import HandledUpdates
from bot.history import handlers as history
from bot.i18n import N_, SUPPORTED_LOCALES, create_i18n
from bot.i18n.middleware import LocaleMiddleware
from bot.metrics import (
    ApiMetricsMiddleware,
    HandlerNameMiddleware,
    Metrics,
    UpdateMetricsMiddleware,
    add_metrics_route,
    create_metrics,
)
from bot.middlewares import AccountMiddleware, DbSessionMiddleware, DuplicateUpdateMiddleware
from bot.onboarding import handlers as onboarding
from bot.organizations import handlers as organizations
from bot.organizations.chart import ChartCache
from bot.organizations.scheduler import fire_due_now
from bot.overrides import handlers as overrides
from bot.personal_data import handlers as personal_data
from bot.registration import handlers as registration
from bot.reminders import handlers as reminders
from bot.reminders.presenter import composer as reminder_notices
from bot.reminders.service import ReminderTimes, remind_due
from bot.retention import PURGE_INTERVAL, purge
from bot.retry_after import RetryAfterMiddleware
from bot.roles import handlers as roles
from bot.status import handlers as status
from bot.status.daily import DailyJob
from bot.verification import handlers as verification
from bot.verification.throttle import FailureThrottle, RedisFailureThrottle, Throttle
from bot.webapp import server as webapp
from bot.webapp.server import WebAppContext
from bot.webhook import UpdateRequestHandler

logger = logging.getLogger(__name__)

COMMANDS = (
    ("start", N_("Begin, or see your colour")),
    ("code", N_("Show my health code")),
    ("checkin", N_("Daily check-in")),
    ("status", N_("My colour and the way to green")),
    ("update", N_("Declare again")),
    ("family", N_("Codes for family members without a phone")),
    ("remindme", N_("My daily check-in reminder")),
    ("history", N_("My declarations, check-ins and colours")),
    ("appeal", N_("Contest a wrong colour")),
    ("mydata", N_("Everything stored about me")),
    ("delete", N_("Delete my data")),
    ("language", N_("English or Chinese")),
    ("privacy", N_("What is stored and who sees it")),
    ("help", N_("All commands")),
    ("cancel", N_("Stop the questions without saving")),
)


def create_bot(settings: Settings, metrics: Metrics | None = None) -> Bot:
    # The sender keeps several requests in flight (hundreds with paid broadcasts): room for them and the replies.
    connections = max(100, default_in_flight(settings.broadcast_rate) + 50)
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url), limit=connections)
    # A 429 on a reply is waited out and the reply sent again: late rather than never.
    session.middleware(RetryAfterMiddleware())
    if metrics is not None:
        # Inside the retries: each request made is counted, the 429s that were waited out too.
        session.middleware(ApiMetricsMiddleware(metrics))
    return Bot(settings.require_token(), session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_budget(settings: Settings, bot: Bot, storage: BaseStorage) -> tuple[Budget, bool]:
    """Telegram's send budget, and whether this process must be the only one sending jobs.

    With Redis every process shares one budget per bot token, so each may send; without it the process
    paces itself, and the database lets one process send at a time.
    """
    redis = getattr(storage, "redis", None)
    if redis is not None:
        return RedisBudget(redis, bot.id, settings.broadcast_rate, paid=settings.broadcast_paid), False
    ceiling = PAID_CEILING if settings.broadcast_paid else CEILING
    return LocalBudget(RateLimiter(settings.broadcast_rate, ceiling=ceiling)), True


def create_storage(settings: Settings) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis when several bot processes share one webhook; otherwise the bot's own database."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        retention = timedelta(days=settings.retention_days)
        storage = RedisStorage.from_url(
            settings.redis_url,
            key_builder=DefaultKeyBuilder(with_destiny=True),
            state_ttl=retention,
            data_ttl=retention,
        )
        return storage, RedisEventIsolation(storage.redis)
    return SqlStorage(create_storage_engine(settings.effective_database_url)), ChatEventIsolation()


def create_dispatcher(
    *,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    storage: BaseStorage,
    events_isolation: BaseEventIsolation,
    i18n: I18n,
    code_settings: CodeSettings,
    clock: Clock = system_clock,
    metrics: Metrics | None = None,
) -> Dispatcher:
    # Events of one user are handled one at a time, so a double tap cannot interleave two form steps.
    dispatcher = Dispatcher(storage=storage, events_isolation=events_isolation)
    if metrics is not None:
        dispatcher["metrics"] = metrics
        # First of ours: a skipped duplicate and a failed database session are counted and timed too.
        # Each update's line is for a log collector (JSON); in text it would double the log, so DEBUG there.
        log_level = logging.INFO if settings.log_format == "json" else logging.DEBUG
        dispatcher.update.outer_middleware(UpdateMetricsMiddleware(metrics, log_level=log_level))
        for name, observer in dispatcher.observers.items():
            if name not in {"update", "error"}:
                observer.middleware(HandlerNameMiddleware())
    dispatcher["clock"] = clock
    dispatcher["zone"] = settings.zone
    dispatcher["code_settings"] = code_settings
    dispatcher["retention_days"] = settings.retention_days
    dispatcher["admin_ids"] = settings.admin_ids
    dispatcher["report_charts"] = ChartCache()
    dispatcher["reminder_times"] = reminder_times(settings)
    dispatcher["appeal_hours"] = settings.appeal_hours
    dispatcher["webapp_url"] = settings.webapp_url
    dispatcher["webapp_frame_ancestors"] = tuple(settings.webapp_frame_ancestors.split())
    # One count of failed checks for the chat and the Mini App's scanner: a forger gains nothing by switching.
    throttle = _verify_throttle(storage) or FailureThrottle()
    dispatcher["verify_throttle"] = throttle
    # A RedisStorage means several processes behind one webhook: a re-sent update may reach another of them.
    redis = getattr(storage, "redis", None)
    recorded = None if redis is not None else HandledUpdates(session_factory)
    dispatcher.update.outer_middleware(DuplicateUpdateMiddleware(handled=redis, recorded=recorded))
    dispatcher.update.outer_middleware(DbSessionMiddleware(session_factory))
    # Process-local caches are only right while this is the only bot process; several share Redis.
    dispatcher.update.outer_middleware(AccountMiddleware(Accounts(cache_size=0 if settings.redis_url else 50_000)))
    if not settings.redis_url:
        engine = session_factory.kw.get("bind")
        if isinstance(engine, AsyncEngine):
            # An unchanged /code without a statement; it sees every write on this engine (bot/codes/cache.py).
            dispatcher["code_cache"] = CodeCache().watch(engine)
    LocaleMiddleware(i18n).setup(dispatcher)
    # A health code is personal: in a group the form and the code would be shown to every member.
    dispatcher.message.filter(Has(F.chat.type == ChatType.PRIVATE))
    dispatcher.callback_query.filter(Has(F.message.chat.type == ChatType.PRIVATE))
    # "Show my code" first: it is what people send most, at gates, and every router before it costs filter checks.
    dispatcher.include_routers(
        codes.create_router(),
        family.create_router(),
        # Before onboarding, which answers a plain /start: an invite opens the bot with /start join-<code>,
        # a scanned code with /start <token>.
        organizations.create_router(),
        verification.create_router(throttle),
        checkin.create_router(),
        reminders.create_router(),
        status.create_router(),
        history.create_router(),
        personal_data.create_router(),
        roles.create_router(),
        overrides.create_router(),
        appeals.create_router(),
        onboarding.create_router(),
        registration.create_router(),
        fallback.create_router(),
    )
    dispatcher.errors.register(errors.apologise)
    return dispatcher


def reminder_times(settings: Settings) -> ReminderTimes:
    return ReminderTimes(default_at=settings.reminder_default_at, warning_at=settings.evening_warning_at)


def _verify_throttle(storage: BaseStorage) -> Throttle | None:
    """Failed checks counted in Redis when several processes share it; None: in this process."""
    redis = getattr(storage, "redis", None)
    return RedisFailureThrottle(redis) if redis is not None else None


def code_settings_for(settings: Settings, bot_username: str) -> CodeSettings:
    return CodeSettings(
        bot_username=bot_username,
        keys=tuple(key_from_secret(secret) for secret in settings.code_secrets()),
        webapp_url=settings.webapp_url,
    )


async def set_command_menu(bot: Bot, i18n: I18n) -> None:
    for locale in SUPPORTED_LOCALES:
        commands = [
            BotCommand(command=name, description=i18n.gettext(description, locale=locale))
            for name, description in COMMANDS
        ]
        language = None if locale == i18n.default_locale else locale
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=language)


ENGINE = web.AppKey("engine", AsyncEngine)


async def healthz(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure of the database is "not healthy", whatever its kind
        logger.exception("health check: database unreachable")
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ok"})


async def run(settings: Settings, clock: Clock = system_clock) -> None:
    engine = create_engine(settings.effective_database_url)
    sessions = create_session_factory(engine)
    storage, isolation = create_storage(settings)
    metrics = create_metrics(clock)
    bot = create_bot(settings, metrics)
    i18n = create_i18n()
    jobs = BackgroundJobs()
    metrics_runner: web.AppRunner | None = None
    webapp_runner: web.AppRunner | None = None
    try:
        dispatcher, jobs = await prepare(settings, sessions, storage, isolation, bot, i18n, clock, metrics)
        # Everything loaded so far lives as long as the process: keeping it out of the collector's
        # generations removed most of the full-collection pauses in the webhook tail (docs/performance.md).
        gc.collect()
        gc.freeze()
        if settings.webhook_mode:
            await _serve_webhook(settings, dispatcher, bot, engine, sessions, metrics, i18n)
        else:
            if settings.metrics_port is not None:
                metrics_runner = await serve_metrics_alone(settings, metrics, sessions, engine)
            if settings.webapp_url is not None:
                context = webapp_context(dispatcher, bot, sessions, i18n)
                webapp_runner = await webapp.serve_alone(context, settings.webapp_host, settings.webapp_port)
            await bot.delete_webhook(drop_pending_updates=False)
            logger.info("polling as @%s", (await bot.me()).username)
            await dispatcher.start_polling(bot, allowed_updates=dispatcher.resolve_used_update_types())
    finally:
        # Again, for a run that failed between the dispatcher's startup and its shutdown (a no-op otherwise).
        await jobs.stop()
        if metrics_runner is not None:
            await metrics_runner.cleanup()
        if webapp_runner is not None:
            await webapp_runner.cleanup()
        await bot.session.close()
        await storage.close()
        await engine.dispose()


async def prepare(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    storage: BaseStorage,
    isolation: BaseEventIsolation,
    bot: Bot,
    i18n: I18n,
    clock: Clock,
    metrics: Metrics | None = None,
) -> tuple[Dispatcher, BackgroundJobs]:
    """The dispatcher of a bot process, its command menu set, and its background jobs; `run` and the
    in-process tests (tests/inprocess.py) share it, so both run what a deployment runs."""
    me = await bot.me()  # cached: `run` logs the name again
    dispatcher = create_dispatcher(
        settings=settings,
        session_factory=sessions,
        storage=storage,
        events_isolation=isolation,
        i18n=i18n,
        code_settings=code_settings_for(settings, me.username or ""),
        clock=clock,
        metrics=metrics,
    )
    await set_command_menu(bot, i18n)
    jobs = background_jobs(settings, sessions, storage, bot, i18n, clock, metrics)
    # Started and stopped with the dispatcher (polling or the webhook app): its shutdown awaits every
    # job, so a job's last database work ends before the engine and the bot session are closed.
    dispatcher.startup.register(jobs.start)
    dispatcher.shutdown.register(jobs.stop)
    return dispatcher, jobs


def background_jobs(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    storage: BaseStorage,
    bot: Bot,
    i18n: I18n,
    clock: Clock,
    metrics: Metrics | None = None,
) -> BackgroundJobs:
    """Every background job of a bot process, each at the interval its own loop had before the group."""
    jobs = BackgroundJobs()
    jobs.every(
        "retention purge",
        PURGE_INTERVAL.total_seconds(),
        partial(purge, sessions, storage, clock, timedelta(days=settings.retention_days)),
    )
    # A moved clock (tests, the sandbox) jumps days at once: look every second instead of every minute.
    daily_interval = 1 if settings.clock_file else 60
    jobs.every("daily job", daily_interval, DailyJob(sessions, bot, i18n, clock, settings.zone, metrics))
    budget, exclusive = create_budget(settings, bot, storage)
    jobs.task(
        "sender", Sender(sessions, bot, i18n, clock, budget, exclusive=exclusive, paid=settings.broadcast_paid).run
    )
    jobs.every(
        "appeal deadlines",
        daily_interval,
        partial(keep_deadlines_now, sessions, i18n, clock, settings.zone, settings.admin_ids, settings.appeal_hours),
    )
    reminder_interval = 1 if settings.clock_file else 30
    jobs.every("daily reminders", reminder_interval, partial(fire_due_now, sessions, clock, settings.zone))
    times = reminder_times(settings)
    jobs.every(
        "reminders",
        reminder_interval,
        partial(remind_due, sessions, reminder_notices(i18n), clock, settings.zone, times),
    )
    return jobs


async def serve_metrics_alone(
    settings: Settings, metrics: Metrics, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> web.AppRunner:
    """Polling mode's /metrics: a server of its own on METRICS_HOST:METRICS_PORT (no webhook server to share)."""
    app = web.Application()
    add_metrics_route(app, metrics, sessions, engine)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.metrics_host, settings.metrics_port).start()
    logger.info("metrics on http://%s:%s/metrics", settings.metrics_host, settings.metrics_port)
    return runner


def create_webhook_app(
    settings: Settings,
    dispatcher: Dispatcher,
    bot: Bot,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    metrics: Metrics | None = None,
    i18n: I18n | None = None,
) -> web.Application:
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    app = web.Application()
    app[ENGINE] = engine
    app.router.add_get("/healthz", healthz)
    if settings.webapp_url is not None and sessions is not None:
        webapp.add_routes(app, webapp_context(dispatcher, bot, sessions, i18n or create_i18n()))
    if metrics is not None and sessions is not None:
        # Next to /healthz: nginx (deploy/nginx) passes neither /metrics nor anything else but the webhook.
        add_metrics_route(app, metrics, sessions, engine)
    UpdateRequestHandler(dispatcher, bot, secret_token=settings.webhook_secret.get_secret_value()).register(
        app, path=webhook_path(settings)
    )
    setup_application(app, dispatcher, bot=bot)
    return app


def webapp_context(
    dispatcher: Dispatcher, bot: Bot, sessions: async_sessionmaker[AsyncSession], i18n: I18n
) -> WebAppContext:
    """The Mini App's API with the chat's own clock, zone, keys, admins and failed-check throttle."""
    return WebAppContext(
        bot_token=bot.token,
        sessions=sessions,
        clock=dispatcher["clock"],
        zone=dispatcher["zone"],
        code_settings=dispatcher["code_settings"],
        admin_ids=dispatcher["admin_ids"],
        i18n=i18n,
        throttle=dispatcher["verify_throttle"],
        frame_ancestors=dispatcher["webapp_frame_ancestors"],
        metrics=dispatcher.get("metrics"),
    )


def webhook_path(settings: Settings) -> str:
    return urlsplit(settings.webhook_url or "").path or "/"


async def _serve_webhook(
    settings: Settings,
    dispatcher: Dispatcher,
    bot: Bot,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    metrics: Metrics,
    i18n: I18n,
) -> None:
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    path = webhook_path(settings)
    runner = web.AppRunner(create_webhook_app(settings, dispatcher, bot, engine, sessions, metrics, i18n))
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    await bot.set_webhook(
        settings.webhook_url, secret_token=secret, allowed_updates=dispatcher.resolve_used_update_types()
    )
    logger.info("webhook listening on %s:%s%s", settings.webhook_host, settings.webhook_port, path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
