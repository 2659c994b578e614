"""The broadcast engine's pace against Telegram's limits: one reminder job to thousands of people.

The real sender (bot/broadcast/sender.py) works through a stored job, with its database writes
(each recipient "sending" before the request, its outcome after), through a real aiogram Bot talking
HTTP to the fake Bot API, which here enforces Telegram's limits: 30 messages a second overall and one a
second per chat, answering 429 with retry_after when exceeded. The job has a progress message in the
creator's chat, edited every two seconds as in production (those edits count against the limits too).

Prints the achieved rate as a share of the configured one (goal: at least 95 %) and the number of 429s
the fake answered (goal: none). At the default 25/s, 5,000 recipients take about 200 s.

    python bench/bench_broadcast.py [--recipients 5000] [--rate 25] [--postgres [URL]]
        [--latency-ms 0 100 200] [--in-flight N] [--paid]

--latency-ms makes the fake answer each request after that round trip (api.telegram.org is 50-250 ms away
from Asia; a local fake's ~0 ms hides a sender held to one message per round trip); one run per value.
--in-flight sets the requests the sender keeps in flight (1: one message at a time, as it used to).
--paid sends with allow_paid_broadcast: the fake allows 1,000/s for those, and --rate may exceed 30.

--postgres runs on PostgreSQL as well as SQLite; give it a scratch database: the sender takes any job
that is waiting in it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import delete, func, insert, select

from bot.broadcast.limits import CEILING, PAID_CEILING, RateLimiter
from bot.broadcast.sender import Sender, SenderSettings
from bot.broadcast.service import Audience, progress, start_broadcast
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.db.models import Broadcast, BroadcastRecipient, User
from bot.i18n import create_i18n
from bot.sandbox.emulator import FakeTelegram, FakeUser, RateLimit

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
FIRST_ID = 9_100_000_000  # recipients' ids: far from any real Telegram account used in a test database
HR_ID = FIRST_ID - 1
NOW = datetime.now(UTC)


async def measure(
    url: str, recipients: int, rate: float, latency_ms: float = 0.0, in_flight: int | None = None, paid: bool = False
) -> dict[str, float]:
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    ids = list(range(FIRST_ID, FIRST_ID + recipients))
    async with FakeTelegram(rate_limit=RateLimit(per_second=30, per_chat_per_second=1)) as fake:
        fake.latency = latency_ms / 1000
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
        try:
            async with sessions.begin() as session:
                waiting = await session.scalar(
                    select(func.count()).select_from(Broadcast).where(Broadcast.status == "sending")
                )
                if waiting:
                    raise SystemExit(f"{url}: {waiting} job(s) already waiting there; use a scratch database")
                await session.execute(delete(User).where(User.id >= HR_ID, User.id < FIRST_ID + recipients))
                rows = [
                    {
                        "id": user_id,
                        "public_id": user_id,
                        "language": "zh" if user_id % 2 else "en",
                        "privacy_accepted_at": NOW,
                        "created_at": NOW,
                    }
                    for user_id in [HR_ID, *ids]
                ]
                await session.execute(insert(User), rows)
            for user_id in [HR_ID, *ids]:
                fake.add_user(FakeUser(id=user_id, first_name="Member"))
            shown = await bot.send_message(HR_ID, "Starting…")
            async with sessions() as session:
                broadcast_id = await start_broadcast(
                    session,
                    organization_id=None,
                    created_by=HR_ID,
                    audience=Audience.NOT_CHECKED_IN,
                    text=None,
                    recipient_ids=ids,
                    now=NOW,
                    progress_chat_id=HR_ID,
                    progress_message_id=shown.message_id,
                )
            sender = Sender(
                sessions,
                bot,
                create_i18n(),
                lambda: datetime.now(UTC),
                RateLimiter(rate, ceiling=PAID_CEILING if paid else CEILING),
                SenderSettings(in_flight=in_flight),
                paid=paid,
            )
            started, cpu = time.perf_counter(), time.process_time()
            await sender.drain()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            async with sessions() as session:
                counts = await progress(session, broadcast_id)
            async with sessions.begin() as session:
                # Recipients have no foreign key (they outlive erased people): deleted on their own.
                await session.execute(delete(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id))
                await session.execute(delete(Broadcast).where(Broadcast.id == broadcast_id))
                await session.execute(delete(User).where(User.id >= HR_ID, User.id < FIRST_ID + recipients))
            edits = sum(1 for call in fake.calls if call.method == "editMessageText" and call.ok)
            assert sender.first_sent_at is not None and sender.last_sent_at is not None
            sending = sender.last_sent_at - sender.first_sent_at
            return {
                "sent": counts.sent,
                "left": counts.left,
                "failed": counts.failed + counts.blocked,
                "seconds": elapsed,
                # Messages per second while sending: n messages span n - 1 intervals.
                "rate": (counts.sent - 1) / sending,
                # The whole job: claiming it, the messages, the progress edits, the final summary.
                "job_rate": counts.sent / elapsed,
                "too_many_requests": fake.limits.too_many_requests,
                "progress_edits": edits,
                "most_in_flight": fake.most_in_flight,
                # This process's CPU (the sender and the fake both): a machine under load shows here.
                "cpu_ms_per_message": cpu * 1000 / max(1, counts.sent),
            }
        finally:
            await bot.session.close()
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=25.0, help="the configured rate (BROADCAST_RATE)")
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES, default=None, metavar="URL")
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0], help="the fake's round trip(s)")
    parser.add_argument("--in-flight", type=int, default=None, help="requests in flight (default: the sender's)")
    parser.add_argument("--paid", action="store_true", help="allow_paid_broadcast: up to 1,000/s")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory() as folder:
        backends = {"sqlite": f"sqlite+aiosqlite:///{folder}/bench.sqlite3"}
        if arguments.postgres:
            backends["postgresql"] = arguments.postgres
        print(
            f"{arguments.recipients} recipients at a configured {arguments.rate:g}/s; the fake Bot API allows "
            f"{'1,000 (paid)' if arguments.paid else '30'} messages/s overall and 1/s per chat (429 beyond)"
        )
        for backend, url in backends.items():
            upgrade(url)
            for latency in arguments.latency_ms:
                figures = asyncio.run(
                    measure(url, arguments.recipients, arguments.rate, latency, arguments.in_flight, arguments.paid)
                )
                share = figures["rate"] / arguments.rate
                print(
                    f"{backend:<11} {latency:>4.0f} ms: {figures['rate']:.2f} messages/s = {share:.1%} of the "
                    f"configured rate, at most {figures['most_in_flight']:.0f} in flight; "
                    f"429s: {figures['too_many_requests']:.0f}. Whole job: {figures['sent']:.0f} sent in "
                    f"{figures['seconds']:.1f} s ({figures['job_rate'] / arguments.rate:.1%}), "
                    f"{figures['progress_edits']:.0f} progress edits, "
                    f"{figures['left'] + figures['failed']:.0f} not sent; "
                    f"{figures['cpu_ms_per_message']:.1f} ms CPU a message, load {os.getloadavg()[0]:.1f}"
                )


if __name__ == "__main__":
    main()
