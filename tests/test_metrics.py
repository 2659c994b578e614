"""Issue 19, items 1 and 3: /metrics on the webhook server moves with the updates it handles, counts the Bot
API's 429s and 403s, shows the outbox, carries nothing about a person; LOG_FORMAT=json lines parse."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.methods import SendMessage
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_dispatcher, create_webhook_app
from bot.codes.service import CodeSettings
from bot.config import Settings, load_settings
from bot.db.repositories.notices import NewNotice, NoticeRepository
from bot.domain.tokens import key_from_secret
from bot.i18n import create_i18n
from bot.metrics import ApiMetricsMiddleware, JsonFormatter, Metrics, create_metrics
from bot.retry_after import paced
from bot.sandbox.emulator import FakeTelegram, FakeUser
from tests.stories import close_quickly

SECRET = "metrics-s3cret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
PERSON = FakeUser(id=987654321, first_name="Zhang", last_name="Wei", username="zhangwei_1990", language_code="en")


@dataclass
class Webhook:
    client: TestClient
    fake: FakeTelegram
    metrics: Metrics
    sessions: async_sessionmaker[AsyncSession]

    async def say(self, text: str) -> None:
        update = await self.fake.send_message(PERSON, text)
        response = await self.client.post("/telegram", json=update, headers=HEADERS)
        assert response.status == 200

    async def scrape(self) -> dict[str, float]:
        """Every sample as `name{label="value",...}` -> value."""
        response = await self.client.get("/metrics")
        assert response.status == 200
        body = await response.text()
        samples: dict[str, float] = {}
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
                samples[f"{sample.name}{{{labels}}}"] = sample.value
        return samples


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    return load_settings(
        webhook_url="https://bot.example.org/telegram",
        webhook_secret=SECRET,
        data_dir=tmp_path,
        timezone="Asia/Shanghai",
        _env_file=None,
        **overrides,
    )


def webhook_dispatcher(settings: Settings, sessions: async_sessionmaker[AsyncSession], metrics: Metrics) -> Dispatcher:
    return create_dispatcher(
        settings=settings,
        session_factory=sessions,
        storage=MemoryStorage(),
        events_isolation=SimpleEventIsolation(),
        i18n=create_i18n(),
        code_settings=CodeSettings(bot_username="health_code_test_bot", keys=(key_from_secret("test secret"),)),
        clock=lambda: NOW,
        metrics=metrics,
    )


@pytest.fixture
async def webhook(
    tmp_path: Path, engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Webhook]:
    settings = settings_for(tmp_path, log_format="json")
    metrics = create_metrics(lambda: NOW)
    async with FakeTelegram() as fake:
        session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
        session.middleware(ApiMetricsMiddleware(metrics))
        bot = Bot(fake.token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
        dispatcher = webhook_dispatcher(settings, session_factory, metrics)
        app = create_webhook_app(settings, dispatcher, bot, engine, session_factory, metrics)
        client = TestClient(TestServer(app))
        await client.start_server()
        try:
            yield Webhook(client, fake, metrics, session_factory)
        finally:
            await client.close()
            await close_quickly(bot)


def sent_ok(samples: dict[str, float]) -> float:
    return samples.get('healthcode_telegram_requests_total{method="SendMessage",result="ok",source="reply"}', 0.0)


async def test_scrape_before_and_after_updates_sees_the_counters_move(webhook: Webhook) -> None:
    before = await webhook.scrape()
    for text in ("/start", "/help", "/privacy"):
        await webhook.say(text)
    after = await webhook.scrape()

    handled = 'healthcode_updates_total{kind="message",outcome="handled"}'
    assert after[handled] - before.get(handled, 0.0) == 3
    latency = 'healthcode_update_duration_seconds_count{kind="message"}'
    assert after[latency] - before.get(latency, 0.0) == 3
    assert after['healthcode_update_duration_seconds_bucket{kind="message",le="+Inf"}'] == after[latency]
    assert sent_ok(after) - sent_ok(before) >= 3
    assert after["healthcode_database_up{}"] == 1
    assert after["healthcode_outbox_notices{}"] == 0
    assert after["process_resident_memory_bytes{}"] > 0


async def test_nothing_about_the_person_in_the_scrape(webhook: Webhook) -> None:
    await webhook.say("/start")
    body = await (await webhook.client.get("/metrics")).text()
    for personal in (str(PERSON.id), PERSON.first_name, PERSON.last_name or "", PERSON.username or "", "/start"):
        assert personal not in body


async def test_a_blocked_person_counts_a_403(webhook: Webhook) -> None:
    webhook.fake.set_blocked(PERSON)
    await webhook.say("/help")
    samples = await webhook.scrape()
    assert samples['healthcode_telegram_requests_total{method="SendMessage",result="403",source="reply"}'] >= 1


async def test_the_outbox_backlog_and_its_oldest_notice(webhook: Webhook) -> None:
    async with webhook.sessions.begin() as session:
        await NoticeRepository(session).add([NewNotice(PERSON.id, "colour", "x")], NOW - timedelta(minutes=10))
        await NoticeRepository(session).add([NewNotice(PERSON.id + 1, "colour", "y")], NOW - timedelta(minutes=1))
    samples = await webhook.scrape()
    assert samples["healthcode_outbox_notices{}"] == 2
    assert samples["healthcode_outbox_oldest_age_seconds{}"] == 600


async def test_a_database_that_does_not_answer_reads_as_down(tmp_path: Path) -> None:
    from bot.db.engine import create_engine, create_session_factory

    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    metrics = create_metrics()
    try:
        await metrics.refresh(create_session_factory(engine), engine)
    finally:
        await engine.dispose()
    assert metrics.database_up._value.get() == 0


class FakeRequests:
    """Stands for the Bot API below the middleware: answers with `error` when set."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error

    async def __call__(self, bot: Bot, method: object) -> object:
        if self.error is not None:
            raise self.error
        return object()


@pytest.mark.parametrize(
    ("error", "result"),
    [
        (None, "ok"),
        (TelegramRetryAfter(method=SendMessage(chat_id=1, text="x"), message="Too Many", retry_after=3), "429"),
        (TelegramForbiddenError(method=SendMessage(chat_id=1, text="x"), message="bot was blocked"), "403"),
    ],
)
async def test_bot_api_results_are_counted_by_kind(error: Exception | None, result: str) -> None:
    metrics = create_metrics()
    middleware = ApiMetricsMiddleware(metrics)
    request = middleware(FakeRequests(error), Bot("123456789:AAE-not-a-real-token"), SendMessage(chat_id=1, text="x"))
    with paced():
        if error is None:
            await request
        else:
            with pytest.raises(type(error)):
                await request
    value = metrics.api_requests.labels(method="SendMessage", result=result, source="outbox")._value.get()
    assert value == 1


def test_the_daily_job_reports_its_day_duration_and_counts() -> None:
    metrics = create_metrics()
    zone = ZoneInfo("Asia/Shanghai")
    metrics.daily_done(1.5, reevaluated=40, changed=3, day=date(2026, 11, 27), zone=zone)
    assert metrics.daily_completed_day._value.get() == datetime(2026, 11, 27, tzinfo=zone).timestamp()
    assert metrics.daily_reevaluated._value.get() == 40
    assert metrics.daily_changed._value.get() == 3
    assert metrics.daily_seconds._value.get() == 1.5


# --- LOG_FORMAT=json ---------------------------------------------------------------------------------


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("bot")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def test_json_log_lines_parse_and_name_the_update(webhook: Webhook, json_log: io.StringIO) -> None:
    await webhook.say("/help")
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    updates = [line for line in lines if line["logger"] == "bot.updates"]
    assert len(updates) == 1
    line = updates[0]
    assert {"time", "level", "logger", "update_id", "handler", "duration_ms", "outcome"} <= line.keys()
    assert line["outcome"] == "handled"
    assert line["handler"].endswith("help")  # the code's name for the handler, not the person's text
    assert isinstance(line["update_id"], int) and line["duration_ms"] >= 0
    logged = json_log.getvalue()
    for personal in (str(PERSON.id), PERSON.first_name, PERSON.username or ""):
        assert personal not in logged


def test_the_text_format_stays_the_default() -> None:
    assert Settings(_env_file=None).log_format == "text"
    assert Settings(_env_file=None, log_format="JSON").log_format == "json"


async def test_a_check_at_a_checkpoint_is_counted_by_verdict(webhook: Webhook) -> None:
    await webhook.say("/verify not-a-code")
    samples = await webhook.scrape()
    # Not staff: refused without a word about the code, and counted so a wave of such tries shows.
    assert samples['healthcode_verifications_total{verdict="not_staff"}'] == 1


async def test_polling_mode_serves_metrics_on_a_loopback_port_of_its_own(
    tmp_path: Path, engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    import socket

    import aiohttp

    from bot.app import serve_metrics_alone

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = load_settings(data_dir=tmp_path, metrics_port=port, _env_file=None)
    assert settings.metrics_host == "127.0.0.1"
    assert load_settings(data_dir=tmp_path, _env_file=None).metrics_port is None  # off unless set
    runner = await serve_metrics_alone(settings, create_metrics(), session_factory, engine)
    try:
        async with aiohttp.ClientSession() as client, client.get(f"http://127.0.0.1:{port}/metrics") as response:
            assert response.status == 200
            assert "healthcode_database_up 1.0" in await response.text()
    finally:
        await runner.cleanup()


def test_an_update_of_a_kind_aiogram_cannot_name_is_unknown() -> None:
    from aiogram.types import Update

    from bot.metrics import update_kind

    assert update_kind(Update(update_id=1)) == "unknown"
    message = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "x"}
    assert update_kind(Update.model_validate({"update_id": 2, "message": message})) == "message"


async def test_the_daily_job_records_its_run(session_factory: async_sessionmaker[AsyncSession]) -> None:
    from bot.status.daily import DailyJob

    metrics = create_metrics()
    zone = ZoneInfo("Asia/Shanghai")
    bot = Bot("123456789:AAE-not-a-real-token")  # the daily job stores notices; it sends nothing itself
    try:
        # One step of the background group's "daily job": the run, then its figures.
        await DailyJob(session_factory, bot, create_i18n(), lambda: NOW, zone, metrics)()
    finally:
        await close_quickly(bot)
    assert metrics.daily_completed_day._value.get() == datetime(2026, 11, 27, tzinfo=zone).timestamp()
    assert metrics.daily_seconds._value.get() > 0
    assert metrics.daily_failures._value.get() == 0


async def test_people_by_colour_city_wide_are_counted_at_most_every_five_minutes(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    from bot.db.models import User
    from bot.db.repositories.users import UserRepository

    async with session_factory.begin() as session:
        for number, colour in enumerate(["green", "green", "green", "yellow", "red", None], start=1):
            await UserRepository(session).add_if_missing(number, 1000 + number, "en", NOW)
            (await session.get_one(User, number)).colour = colour
    now = NOW
    metrics = create_metrics(lambda: now)

    def gauge() -> dict[str, float]:
        return {label: metrics.people.labels(colour=label)._value.get() for label in ("green", "yellow", "red", "none")}

    await metrics.refresh(session_factory, engine)
    assert gauge() == {"green": 3, "yellow": 1, "red": 1, "none": 1}

    async with session_factory.begin() as session:
        (await session.get_one(User, 4)).colour = "green"
    now = NOW + timedelta(minutes=4, seconds=59)
    await metrics.refresh(session_factory, engine)
    assert gauge() == {"green": 3, "yellow": 1, "red": 1, "none": 1}  # not counted again within 5 minutes
    now = NOW + timedelta(minutes=5)
    await metrics.refresh(session_factory, engine)
    assert gauge() == {"green": 4, "yellow": 0, "red": 1, "none": 1}
