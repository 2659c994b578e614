"""The Mini App's scanner: verifications per second through POST /app/api/verify, and their p99, at 32 staff
members scanning at once.

The server is the bot's own (bot/webapp/server.py) on a loopback port, with the chat's database work: initData
checked, the role, the signature, the holder's card read, the log row written and committed, today's count. The
holders are bench_verify.py's (green, each with today's code). 32 staff members, each in a loop of its own,
send the next code as soon as the last verdict came back (a scanner at a busy gate); they run in a separate
process, so the client's work does not slow the server's event loop. Each figure is the median of the runs.

CPU per verification is counted for each of the three that share the machine's cores: the server (this
process), the staff (the client's process) and PostgreSQL's backends for the scratch database (read from /proc
when PostgreSQL runs here). Their sum bounds the rate: cores x 1000 ms / (CPU ms per verification) is the most
this machine could do with nothing else running, whatever the latency.

Targets (issue 17): at least 500 verifications a second on PostgreSQL, p99 at most 50 ms.

    python bench/bench_webapp.py [--holders 2000] [--runs 3] [--staff 32] [--postgres URL] [--sqlite]

The PostgreSQL database is emptied first: give it a scratch one (TEST_POSTGRES_URL by default).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from aiohttp import web
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.bench_verify import STAFF_BASE, _settings, prepare
from bot.app import code_settings_for
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.i18n import create_i18n
from bot.webapp.server import WebAppContext, create_app

BOT_TOKEN = "1:x"
DEFAULT_POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def init_data(user_id: int, now: datetime) -> str:
    """Signed as Telegram signs a Mini App's initData, with the bench bot's token."""
    fields = {
        "auth_date": str(int(now.timestamp())),
        "query_id": "bench",
        "user": json.dumps({"id": user_id, "first_name": "Staff", "language_code": "en"}),
    }
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", BOT_TOKEN.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


# --- The staff (a process of its own) --------------------------------------------------------------------


async def _scan(base: str, work: list[list[str]]) -> tuple[float, list[float], int]:
    """Each list in `work` is one staff member's codes; returns the elapsed time, latencies and failures."""
    now = datetime.now(UTC)
    connector = aiohttp.TCPConnector(limit=len(work))
    latencies: list[float] = []
    failures = 0
    async with aiohttp.ClientSession(connector=connector) as client:

        async def staff_member(index: int, tokens: list[str]) -> None:
            nonlocal failures
            signed = init_data(STAFF_BASE + index, now)
            for token in tokens:
                started = time.perf_counter()
                async with client.post(f"{base}/app/api/verify", json={"init_data": signed, "code": token}) as reply:
                    answer = await reply.json()
                latencies.append(time.perf_counter() - started)
                if reply.status != 200 or answer.get("verdict") != "pass":
                    failures += 1

        # One request each first, so connections are open before the clock starts.
        await asyncio.gather(*(staff_member(index, tokens[:1]) for index, tokens in enumerate(work)))
        latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(staff_member(index, tokens[1:]) for index, tokens in enumerate(work)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, failures


Scanned = tuple[float, list[float], int, float]


def _client(base: str, work: list[list[str]], results: multiprocessing.Queue[Scanned]) -> None:
    """The staff's process; its CPU seconds go back too, as they take the same two cores from the server."""
    cpu = time.process_time()
    elapsed, latencies, failures = asyncio.run(_scan(base, work))
    results.put((elapsed, latencies, failures, time.process_time() - cpu))


def _ticks(pid: int) -> int:
    """A process's user and system CPU so far, in clock ticks (Linux); 0 when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


async def _postgres_cpu(engine: AsyncEngine) -> float:
    """CPU seconds of the PostgreSQL backends serving this database (all opened for this run: the scratch
    database is ours alone), when PostgreSQL runs on this machine; 0 when their /proc cannot be read."""
    async with engine.connect() as connection:
        pids = (
            await connection.execute(sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
        ).scalars()
        return sum(_ticks(pid) for pid in pids) / os.sysconf("SC_CLK_TCK")


# --- The server (this process) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    rate: float  # verifications per second
    p50: float  # ms
    p99: float  # ms
    server_cpu: float  # ms per verification, this process (the bot's server)
    client_cpu: float  # ms per verification, the staff's process
    postgres_cpu: float  # ms per verification, the database's backends (0 when not readable)
    failures: int

    @property
    def bound(self) -> float:
        """Verifications per second this machine's cores could give if all three had them to themselves."""
        total = self.server_cpu + self.client_cpu + self.postgres_cpu
        return (os.cpu_count() or 1) * 1000 / total


async def measure(url: str, tokens: list[str], staff: int) -> Figures:
    settings = _settings(url)
    engine = create_engine(url)
    context = WebAppContext(
        bot_token=BOT_TOKEN,
        sessions=create_session_factory(engine),
        clock=lambda: datetime.now(UTC),
        zone=settings.zone,
        code_settings=code_settings_for(settings, "bench_bot"),
        admin_ids=frozenset(),
        i18n=create_i18n(),
    )
    runner = web.AppRunner(create_app(context), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    work = [tokens[index::staff] for index in range(staff)]
    results: multiprocessing.Queue[Scanned] = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_client, args=(f"http://127.0.0.1:{port}", work, results)
    )
    process.start()
    cpu = time.process_time()
    try:
        elapsed, latencies, failures, client_cpu = await asyncio.to_thread(results.get)
        # The whole run's, warm-up included (a few dozen of the requests): a slight overestimate.
        cpu = time.process_time() - cpu
        postgres_cpu = await _postgres_cpu(engine) if engine.dialect.name == "postgresql" else 0.0
    finally:
        await asyncio.to_thread(process.join)
        await runner.cleanup()
        await engine.dispose()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    done = len(latencies) + staff
    return Figures(
        rate=len(latencies) / elapsed,
        p50=statistics.median(latencies) * 1000,
        p99=p99 * 1000,
        server_cpu=cpu * 1000 / done,
        client_cpu=client_cpu * 1000 / done,
        postgres_cpu=postgres_cpu * 1000 / done,
        failures=failures,
    )


def run(url: str, holders: int, runs: int, staff: int) -> dict[str, float]:
    upgrade(url)
    measured: list[Figures] = []
    for _ in range(runs):
        tokens = asyncio.run(prepare(url, holders))
        measured.append(asyncio.run(measure(url, tokens, staff)))

    def median(figure: Callable[[Figures], float]) -> float:
        return statistics.median(figure(one) for one in measured)

    return {
        "verifications/s": median(lambda one: one.rate),
        "p50 ms": median(lambda one: one.p50),
        "p99 ms": median(lambda one: one.p99),
        "server CPU ms": median(lambda one: one.server_cpu),
        "client CPU ms": median(lambda one: one.client_cpu),
        "PostgreSQL CPU ms": median(lambda one: one.postgres_cpu),
        "bound": median(lambda one: one.bound),
        "not PASS": sum(one.failures for one in measured),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--staff", type=int, default=32)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--sqlite", action="store_true", help="SQLite as well")
    arguments = parser.parse_args()
    if arguments.holders < 5 * arguments.staff:
        raise SystemExit("--holders must be at least 5 x --staff (bench_verify.py makes one staff role per 5 holders)")
    with tempfile.TemporaryDirectory() as folder:
        backends = {"postgresql": arguments.postgres}
        if arguments.sqlite:
            backends["sqlite"] = f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
        print(
            f"POST /app/api/verify, {arguments.staff} staff scanning at once, "
            f"median of {arguments.runs} runs of {arguments.holders} codes"
        )
        for backend, url in backends.items():
            figures = run(url, arguments.holders, arguments.runs, arguments.staff)
            print(
                f"  {backend:<11} {figures['verifications/s']:7.0f} verifications/s   "
                f"p50 {figures['p50 ms']:5.1f} ms   p99 {figures['p99 ms']:5.1f} ms   "
                f"not PASS: {figures['not PASS']:.0f}\n"
                f"              CPU per verification: server {figures['server CPU ms']:.2f} ms, "
                f"staff (client) {figures['client CPU ms']:.2f} ms, PostgreSQL {figures['PostgreSQL CPU ms']:.2f} ms"
                f" -> at most {figures['bound']:.0f}/s on {os.cpu_count()} cores with nothing else running"
            )
    print(f"  (load average while measuring: {os.getloadavg()[0]:.1f}; the machine has {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
