"""5,000 colour changes at one midnight, told through the notices outbox against Telegram's limits.

The daily job's telling side (bot/status/daily.py `tell_changes`) stores one notice per change, in the
transaction that claims it; the broadcast engine's sender (bot/broadcast/sender.py) sends them through a
real aiogram Bot talking HTTP to the fake Bot API, which enforces Telegram's limits here: 30 messages a
second overall and one a second per chat, answering 429 with retry_after beyond them.

Prints one line in bench_scale.py's form:

    scale notices_5000 people=5000 median_ms=<ms from the first notice stored to the last one sent>
        queries=<SQL statements> told=<people told> lost=<not told> duplicates=<told more than once>
        rate=<messages/s while sending>

Goal: told=5000 lost=0 duplicates=0 at >= 95 % of the configured rate (25/s: about 200 s).

    python bench/bench_notices.py [--count 5000] [--rate 25] [--postgres [URL]] [--latency-ms 200]

--latency-ms makes the fake answer each request after that round trip (api.telegram.org is 50-250 ms away
from Asia; the local fake's ~0 ms hides a sender held to one message per round trip).

--postgres runs on PostgreSQL instead of a scratch SQLite file; give it a scratch database.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import delete, event, insert

from bot.broadcast.limits import RateLimiter
from bot.broadcast.sender import Sender
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.db.models import Assessment, Notice, User
from bot.i18n import create_i18n
from bot.sandbox.emulator import FakeTelegram, FakeUser, RateLimit
from bot.status.daily import tell_changes

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
FIRST_ID = 9_300_000_000  # far from any real Telegram account used in a test database
NOW = datetime.now(UTC)


async def measure_notices(
    count: int, rate: float, *, url: str | None = None, latency_ms: float = 0.0
) -> dict[str, Any]:
    """Seed `count` people with an untold colour change, tell them, send; the figures of the line above.

    `url`: a migrated scratch database (default: a temporary SQLite file, migrated here).
    """
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            scratch = f"sqlite+aiosqlite:///{folder}/notices.sqlite3"
            await asyncio.to_thread(upgrade, scratch)
            return await _measure(scratch, count, rate, latency_ms)
    return await _measure(url, count, rate, latency_ms)


async def _measure(url: str, count: int, rate: float, latency_ms: float) -> dict[str, Any]:
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    ids = list(range(FIRST_ID, FIRST_ID + count))
    async with FakeTelegram(rate_limit=RateLimit(per_second=30, per_chat_per_second=1)) as fake:
        fake.latency = latency_ms / 1000
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
        try:
            await _forget(sessions, ids)
            await _seed(sessions, ids)
            for user_id in ids:
                fake.add_user(FakeUser(id=user_id, first_name="Member"))
            queries = 0

            def counted(*_args: Any) -> None:
                nonlocal queries
                queries += 1

            event.listen(engine.sync_engine, "before_cursor_execute", counted)
            sender = Sender(sessions, bot, create_i18n(), lambda: NOW, RateLimiter(rate))
            started = time.perf_counter()
            stored = await tell_changes(sessions, create_i18n(), NOW)
            await sender.drain()
            elapsed = time.perf_counter() - started
            event.remove(engine.sync_engine, "before_cursor_execute", counted)
            received = Counter(
                int(call.params["chat_id"]) for call in fake.calls if call.method == "sendMessage" and call.ok
            )
            told = sum(1 for user_id in ids if received[user_id] > 0)
            sending = (sender.last_sent_at or 0.0) - (sender.first_sent_at or 0.0)
            await _forget(sessions, ids)
            return {
                "people": count,
                "stored": stored,
                "median_ms": elapsed * 1000,
                "queries": queries,
                "told": told,
                "lost": count - told,
                "duplicates": sum(1 for user_id in ids if received[user_id] > 1),
                # Messages per second while sending: n messages span n - 1 intervals.
                "rate": (sender.sent - 1) / sending if sending > 0 else 0.0,
                "too_many_requests": fake.limits.too_many_requests,
            }
        finally:
            await bot.session.close()
            await engine.dispose()


async def _seed(sessions: Any, ids: list[int]) -> None:
    """Each person turned green today after a yellow stretch, and nobody has been told yet."""
    async with sessions.begin() as session:
        await session.execute(
            insert(User),
            [
                {
                    "id": user_id,
                    "public_id": user_id,
                    "language": "zh" if user_id % 2 else "en",
                    "privacy_accepted_at": NOW,
                    "created_at": NOW,
                }
                for user_id in ids
            ],
        )
        await session.execute(
            insert(Assessment),
            [
                {
                    "user_id": user_id,
                    "cause": "daily",
                    "colour": "green",
                    "reasons": [],
                    "other_reasons": [],
                    "period_days": 0,
                    "starts_on": None,
                    "ends_on": None,
                    "next_step": "none",
                    "clears_by_checkins": False,
                    "rules_version": "bench",
                    "assessed_at": NOW,
                    "notified_at": None,
                }
                for user_id in ids
            ],
        )


async def _forget(sessions: Any, ids: list[int]) -> None:
    async with sessions.begin() as session:
        await session.execute(delete(Notice).where(Notice.user_id >= ids[0], Notice.user_id <= ids[-1]))
        await session.execute(delete(User).where(User.id >= ids[0], User.id <= ids[-1]))


def line(figures: dict[str, Any]) -> str:
    return (
        f"scale notices_{figures['people']} people={figures['people']} median_ms={figures['median_ms']:.0f} "
        f"queries={figures['queries']} told={figures['told']} lost={figures['lost']} "
        f"duplicates={figures['duplicates']} rate={figures['rate']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=25.0, help="the configured rate (BROADCAST_RATE)")
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES, default=None, metavar="URL")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="the fake's round trip")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if arguments.postgres:
        upgrade(arguments.postgres)
    figures = asyncio.run(
        measure_notices(arguments.count, arguments.rate, url=arguments.postgres, latency_ms=arguments.latency_ms)
    )
    print(line(figures))
    print(
        f"# {figures['rate'] / arguments.rate:.1%} of the configured {arguments.rate:g}/s "
        f"with a {arguments.latency_ms:g} ms round trip; "
        f"429s answered by the fake: {figures['too_many_requests']}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
