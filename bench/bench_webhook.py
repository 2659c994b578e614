"""`/code` over a real webhook: `python -m bot` in webhook mode on PostgreSQL, a local Bot API that answers
every call at once, and an aiohttp load generator posting updates at 32 and 128 connections.

Prints, per connection count, updates/s and the p50/p99 latency of the webhook's answer (the bot
answers once the update is handled: aiogram's handler runs in the request), for an unchanged code,
warm (every person once before the measured pass). Compare the rate with bench_dispatch's warm
PostgreSQL `/code` row, measured just before on the same machine (`--with-dispatch`).

    python bench/bench_webhook.py [--users 1000] [--connections 32,128] [--postgres URL] [--with-dispatch]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

from bench.bench_dispatch import BOT_ID, _create_database_if_missing, prepare
from bot.db.migrate import upgrade
from bot.sandbox.process import free_port

SECRET = "bench_webhook_secret"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def instant_bot_api() -> web.Application:
    """The Bot API methods the bot calls, each answered at once with a plausible result."""
    counter = iter(range(1, 10**12))

    async def method(request: web.Request) -> web.Response:
        name = request.match_info["method"].lower()
        fields: dict[str, Any] = dict(await request.post()) if request.can_read_body else {}
        if name == "getme":
            result: Any = {"id": BOT_ID, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        elif name in {"sendmessage", "sendphoto", "editmessagetext"}:
            chat_id = int(str(fields.get("chat_id", 1)))
            result = {"message_id": next(counter), "date": int(time.time()), "chat": {"id": chat_id, "type": "private"}}
            if name == "sendphoto":
                result["photo"] = [{"file_id": "photo-file-id", "file_unique_id": "u", "width": 480, "height": 640}]
        else:
            result = True
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", method)
    app.router.add_get("/bot{token}/{method}", method)
    return app


def update_body(update_id: int, user_id: int) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": user_id, "is_bot": False, "first_name": "B", "language_code": "en"},
                "text": "/code",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
    ).encode()


async def load(url: str, bodies: list[bytes], connections: int) -> tuple[float, list[float]]:
    """Posts every body with at most `connections` in flight; the rate and each request's latency."""
    latencies: list[float] = []
    queue = iter(bodies)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with ClientSession(connector=TCPConnector(limit=connections), timeout=ClientTimeout(total=60)) as client:

        async def worker() -> None:
            for body in queue:
                started = time.perf_counter()
                async with client.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"webhook answered {response.status}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return len(bodies) / elapsed, latencies


async def wait_healthy(base: str, process: asyncio.subprocess.Process, log: Path) -> None:
    async with ClientSession() as client:
        for _ in range(300):
            if process.returncode is not None:
                raise RuntimeError(f"the bot stopped: see {log}")
            try:
                async with client.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the bot did not answer /healthz: see {log}")


async def measure(database_url: str, users: int, connection_counts: list[int], folder: Path) -> None:
    await prepare(database_url, users)
    api = web.AppRunner(instant_bot_api(), access_log=None)
    await api.setup()
    api_port = free_port()
    await web.TCPSite(api, "127.0.0.1", api_port).start()
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WEBHOOK_", "REDIS_", "CLOCK_"))}
    env.update(
        BOT_TOKEN=f"{BOT_ID}:bench",
        TELEGRAM_API_URL=f"http://127.0.0.1:{api_port}",
        DATABASE_URL=database_url,
        DATA_DIR=str(folder),
        CODE_SECRET="bench-secret",
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
        LOG_LEVEL="WARNING",
    )
    log = folder / "bot.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=PROJECT_ROOT, env=env, stdout=output, stderr=output
        )
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_healthy(base, process, log)
        counter = iter(range(1, 10**9))
        people = range(1, users + 1)
        # Every person once: the accounts cache and the connections warm, as at a gate after a while.
        await load(f"{base}/telegram", [update_body(next(counter), person) for person in people], 32)
        for connections in connection_counts:
            rate, latencies = await load(
                f"{base}/telegram", [update_body(next(counter), person) for person in people], connections
            )
            cuts = statistics.quantiles(latencies, n=100)
            print(
                f"webhook /code warm connections={connections} updates_per_s={rate:.0f} "
                f"p50_ms={cuts[49] * 1000:.1f} p99_ms={cuts[98] * 1000:.1f}",
                flush=True,
            )
    finally:
        process.terminate()
        await process.wait()
        await api.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--connections", default="32,128")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_dispatch"),
        help="a scratch database, made if missing and emptied (default $BENCH_POSTGRES_URL or bench_dispatch)",
    )
    parser.add_argument("--with-dispatch", action="store_true", help="bench_dispatch's PostgreSQL rows first")
    arguments = parser.parse_args()
    asyncio.run(_create_database_if_missing(arguments.postgres))
    upgrade(arguments.postgres)
    if arguments.with_dispatch:
        from bench.bench_dispatch import run

        for name, (rate, ratio) in run(arguments.postgres, arguments.users, 1).items():
            print(f"in-process {name:<22} {rate:8.0f}/s ratio_to_aiogram={ratio:.3f}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(
            measure(
                arguments.postgres, arguments.users, [int(n) for n in arguments.connections.split(",")], Path(folder)
            )
        )


if __name__ == "__main__":
    main()
