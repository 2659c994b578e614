"""Updates per second that one bot process handles, through the real dispatcher and database.

Two workloads, on SQLite and PostgreSQL:
- a form step: a user at the address question sends a valid address (reads and writes the
  conversation state, answers with the next question);
- /code for a code that has not changed (loads the account, the assessment and the code, re-sends
  the image by file_id).
Telegram itself is replaced by an in-process session that answers at once, so the figures are the
bot's own cost. Updates are fed 16 at a time, as long polling does. Prints medians of several runs.

Each run also measures the ceiling: bare aiogram (a Dispatcher with one `Command("code")` handler that
re-sends a photo by file_id with a caption and the bot's keyboard) on the same session, the same update
shape and the same concurrency, in slices of 128 updates taken in turn with each row's own. Every row is
printed with `ratio_to_aiogram=<x>`, the median over runs of (row / the ceiling measured alongside it): on
a shared or different machine the absolute rates move, the ratios much less.

    python bench/bench_dispatch.py [--users 1500] [--runs 5] [--postgres URL] [--only sqlite|postgresql] [--uvloop]

With --memory, instead: the process's resident memory after /code from 10,000 and then from 200,000
distinct people (strangers to the bot: it is the memory of dispatching, of the per-chat lock and of the
conversation state that grows with people, not the database's), on SQLite. Bounded memory means the
second figure stays within 10 % of the first. `--isolation simple` runs aiogram's SimpleEventIsolation
instead of the bot's, for comparison.

    python bench/bench_dispatch.py --memory [--isolation chat|simple]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.filters import Command
from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods import TelegramMethod
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup, Update
from sqlalchemy import text

from bot.app import code_settings_for, create_dispatcher
from bot.config import load_settings
from bot.db.engine import create_engine, create_session_factory, create_storage_engine
from bot.db.migrate import upgrade
from bot.db.models import Assessment, Code, Declaration, User
from bot.domain.answers import Declaration as DeclarationAnswers
from bot.domain.status import History, status_at
from bot.domain.tokens import issue_token
from bot.fsm.isolation import ChatEventIsolation
from bot.fsm.storage import SqlStorage
from bot.i18n import create_i18n
from bot.registration.questions import Registration

BOT_ID = 42
CONCURRENCY = 16
# Updates of the ceiling, then as many of the row measured, in turn (a multiple of CONCURRENCY).
INTERLEAVE = 128
NOW = datetime.now(UTC)


class InstantTelegram(BaseSession):
    """Answers every Bot API call at once with a plausible result; no network."""

    def __init__(self) -> None:
        super().__init__()
        self._message_id = 0

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        self._message_id += 1
        chat_id = getattr(method, "chat_id", 1)
        result: dict[str, Any] = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
        }
        name = type(method).__name__
        if name == "GetMe":
            return method.__returning__.model_validate(
                {"id": BOT_ID, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
            )
        if name == "SendPhoto":
            result["photo"] = [{"file_id": "photo-file-id", "file_unique_id": "u", "width": 480, "height": 640}]
        if name in {"SendMessage", "SendPhoto", "EditMessageText"}:
            return method.__returning__.model_validate(result, context={"bot": bot})
        return True

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:  # pragma: no cover - never downloads
        raise NotImplementedError
        yield b""  # an async generator, as the base class declares


def message_update(update_id: int, user_id: int, text_: str) -> Update:
    entities = (
        [{"type": "bot_command", "offset": 0, "length": len(text_.split()[0])}] if text_.startswith("/") else None
    )
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": user_id, "is_bot": False, "first_name": "B", "language_code": "en"},
                "text": text_,
                "entities": entities,
            },
        }
    )


ANSWERS = {
    "full_name": "Bench User",
    "nationality": "GB",
    "id_type": "passport",
    "id_number": "E12345678",
    "phone": "+8613800138000",
    "district": "yinzhou",
}


async def prepare(url: str, users: int) -> None:
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    async with engine.begin() as connection:
        for table in ("codes", "assessments", "checkins", "declarations", "users", "fsm_states", "handled_updates"):
            await connection.execute(text(f"DELETE FROM {table}"))
    settings = load_settings(bot_token="1:x", code_secret="bench-secret", database_url=url)
    key = code_settings_for(settings, "bench_bot").keys[0]
    storage = SqlStorage(create_storage_engine(url))
    # Every user is green and checked in today, as most people at a gate are.
    today = NOW.astimezone(settings.zone).date()
    green = DeclarationAnswers.from_dict(
        {
            **ANSWERS,
            "address": "199 Taikang East Road",
            "in_ningbo": True,
            "places": [],
            "contacts": [],
            "own_status": "none",
            "symptoms": [],
            "temperature_c": 36.6,
            "declared_on": today.isoformat(),
        }
    )
    status = status_at(History(declarations=[green]), today).to_dict()
    async with sessions.begin() as session:
        for user_id in range(1, users + 1):
            session.add(
                User(id=user_id, public_id=10_000 + user_id, language="en", privacy_accepted_at=NOW, created_at=NOW)
            )
        await session.flush()
        for user_id in range(1, users + 1):
            declaration = Declaration(
                user_id=user_id, answers={**ANSWERS, "full_name": f"User {user_id}"}, declared_at=NOW
            )
            session.add(declaration)
            await session.flush()
            assessment = Assessment(
                user_id=user_id,
                declaration_id=declaration.id,
                cause="declaration",
                notified_at=NOW,
                colour="green",
                reasons=[],
                other_reasons=[],
                period_days=0,
                starts_on=None,
                ends_on=None,
                next_step="show_code_and_temperature",
                clears_by_checkins=True,
                rules_version="bench",
                assessed_at=NOW,
            )
            session.add(assessment)
            await session.flush()
            expires = NOW + timedelta(hours=24)
            session.add(
                Code(
                    user_id=user_id,
                    assessment_id=assessment.id,
                    colour="green",
                    language="en",
                    issued_at=NOW,
                    expires_at=expires,
                    file_id="photo-file-id",
                    status=status,
                    token=issue_token(10_000 + user_id, int(NOW.timestamp()), int(expires.timestamp()), key),
                )
            )
    form_users = range(users + 1, 2 * users + 1)
    for user_id in form_users:
        storage_key = StorageKey(bot_id=BOT_ID, chat_id=user_id, user_id=user_id)
        await storage.set_state(storage_key, Registration.address)
        await storage.set_data(storage_key, {"answers": ANSWERS, "editing": False, "ticked": []})
    async with sessions.begin() as session:
        for user_id in form_users:
            session.add(
                User(id=user_id, public_id=20_000_000 + user_id, language="en", privacy_accepted_at=NOW, created_at=NOW)
            )
    await storage.close()
    await engine.dispose()


def assemble(url: str, isolation: BaseEventIsolation | None = None) -> tuple[Any, SqlStorage, Bot, Any]:
    """The real dispatcher on the database at `url`, with Telegram answering at once; the caller closes
    the storage and disposes of the engine."""
    settings = load_settings(bot_token="1:x", code_secret="bench-secret", database_url=url, timezone="UTC")
    engine = create_engine(url)
    storage = SqlStorage(create_storage_engine(url))
    bot = Bot("42:bench", session=InstantTelegram())
    dispatcher = create_dispatcher(
        settings=settings,
        session_factory=create_session_factory(engine),
        storage=storage,
        events_isolation=isolation or ChatEventIsolation(),
        i18n=create_i18n(),
        code_settings=code_settings_for(settings, "bench_bot"),
        clock=lambda: NOW + timedelta(minutes=1),
    )
    # As bot.app.run does once the bot is loaded: long-lived objects leave the collector's sight.
    gc.freeze()
    return engine, storage, bot, dispatcher


CEILING = "aiogram ceiling"


def bare_dispatcher() -> Dispatcher:
    """What aiogram itself costs per update: its dispatcher, one Command handler, and one Bot API call
    shaped like the bot's answer to an unchanged /code. No storage beyond aiogram's default, no isolation."""
    dispatcher = Dispatcher()
    keyboard = ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text="🔳 Show my code"), KeyboardButton(text="✅ Check in")],
            [KeyboardButton(text="📝 Update my declaration"), KeyboardButton(text="❓ Help")],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )

    async def code(message: Message, bot: Bot) -> None:
        caption = "🟢 Green · valid until 12:00 tomorrow"
        await bot.send_photo(message.chat.id, "photo-file-id", caption=caption, reply_markup=keyboard)

    dispatcher.message.register(code, Command("code"))
    return dispatcher


async def measure(url: str, users: int) -> dict[str, tuple[float, float]]:
    """Updates per second for each workload, first with cold caches (each user's first update since
    the process started), then warm (the same users again, as at a gate or in a form); each with its
    ratio to bare aiogram's /code measured just before it, so a neighbour's load skews both alike."""
    engine, storage, bot, dispatcher = assemble(url)
    bare, bare_bot = bare_dispatcher(), Bot("42:bench", session=InstantTelegram())
    counter = iter(range(1, 10**9))

    def updates(user_ids: range, text_: str) -> list[Update]:
        return [message_update(next(counter), user_id, text_) for user_id in user_ids]

    code_users = range(1, users + 1)
    form_users = range(users + 1, 2 * users + 1)
    address = "221B Baker Street, building 2"
    await _feed(bare, bare_bot, updates(code_users, "/code"))  # the ceiling warm too
    figures: dict[str, tuple[float, float]] = {}
    ceilings: list[float] = []

    async def row(name: str, batch: list[Update]) -> None:
        # Slices of the ceiling and of the row in turn: a neighbour's burst of load lands on both alike.
        ceiling_batch = updates(range(1, len(batch) + 1), "/code")
        gc.collect()
        ceiling_seconds = seconds = 0.0
        for start in range(0, len(batch), INTERLEAVE):
            ceiling_seconds += await _time(bare, bare_bot, ceiling_batch[start : start + INTERLEAVE])
            seconds += await _time(dispatcher, bot, batch[start : start + INTERLEAVE])
        ceilings.append(len(batch) / ceiling_seconds)
        figures[name] = (len(batch) / seconds, ceiling_seconds / seconds)

    await row("/code unchanged, cold", updates(code_users, "/code"))
    await row("/code unchanged, warm", updates(code_users, "/code"))
    await row("form step, cold", updates(form_users, address))
    # Back to the address question and the address again: two writing form steps per user.
    await row(
        "form step, warm",
        [u for pair in zip(updates(form_users, "Back"), updates(form_users, address), strict=True) for u in pair],
    )
    await storage.close()
    await engine.dispose()
    return {CEILING: (statistics.median(ceilings), 1.0), **figures}


async def _feed(dispatcher: Any, bot: Bot, updates: list[Update]) -> float:
    gc.collect()
    return len(updates) / await _time(dispatcher, bot, updates)


async def _time(dispatcher: Any, bot: Bot, updates: list[Update]) -> float:
    started = time.perf_counter()
    for start in range(0, len(updates), CONCURRENCY):
        batch = updates[start : start + CONCURRENCY]
        await asyncio.gather(*(dispatcher.feed_update(bot, update) for update in batch))
    return time.perf_counter() - started


async def _create_database_if_missing(url: str) -> None:
    """`make bench` on a fresh machine: the default scratch database is made on first use."""
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


def run(url: str, users: int, runs: int, uvloop: bool = False) -> dict[str, tuple[float, float]]:
    """Per row: the median rate and the median ratio to the ceiling measured next to it; on asyncio's
    event loop, or with `uvloop` on uvloop's (installed by hand: the bot does not use it, see README)."""
    if url.startswith("postgresql"):
        asyncio.run(_create_database_if_missing(url))
    upgrade(url)
    run_loop: Any = asyncio.run
    if uvloop:
        import uvloop as module

        run_loop = module.run
    rates: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    for _ in range(runs):
        run_loop(prepare(url, users))
        for name, (rate, ratio) in run_loop(measure(url, users)).items():
            rates.setdefault(name, []).append(rate)
            ratios.setdefault(name, []).append(ratio)
    return {name: (statistics.median(rates[name]), statistics.median(ratios[name])) for name in rates}


MEMORY_MILESTONES = (10_000, 200_000)


def resident_mb() -> float:
    """The process's resident set now (Linux); elsewhere its peak, which for a growing process is the same."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure_memory(url: str, isolation: BaseEventIsolation) -> dict[int, float]:
    """Resident memory once each milestone of distinct people has sent /code, one update each."""
    engine, storage, bot, dispatcher = assemble(url, isolation)
    # The dispatcher takes a falsy isolation for none at all: measure the one asked for, or nothing.
    assert dispatcher.fsm.events_isolation is isolation
    figures: dict[int, float] = {}
    sent = 0
    for milestone in MEMORY_MILESTONES:
        while sent < milestone:
            batch = range(sent + 1, min(sent + CONCURRENCY, milestone) + 1)
            # A new update id and a new person each time, as a city's morning at the gates brings them.
            await asyncio.gather(
                *(dispatcher.feed_update(bot, message_update(user_id, user_id, "/code")) for user_id in batch)
            )
            sent = batch[-1]
        # What stays, not what is waiting for the collector.
        gc.collect()
        figures[milestone] = resident_mb()
    await storage.close()
    await engine.dispose()
    return figures


def run_memory(isolation_name: str) -> None:
    isolation: BaseEventIsolation = SimpleEventIsolation() if isolation_name == "simple" else ChatEventIsolation()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        started = time.perf_counter()
        figures = asyncio.run(measure_memory(url, isolation))
    first, last = (figures[milestone] for milestone in MEMORY_MILESTONES)
    print(
        f"memory isolation={type(isolation).__name__} "
        + " ".join(f"rss_mb_{milestone}={figures[milestone]:.1f}" for milestone in MEMORY_MILESTONES)
        + f" ratio={last / first:.3f} seconds={time.perf_counter() - started:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=5)
    # Emptied first: a scratch database, never one that tests or people use.
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_dispatch"),
        help="a scratch database, made if missing (default $BENCH_POSTGRES_URL or database bench_dispatch)",
    )
    parser.add_argument("--memory", action="store_true", help="resident memory after 10,000 and 200,000 people")
    parser.add_argument("--isolation", choices=("chat", "simple"), default="chat", help="with --memory")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one backend")
    parser.add_argument("--uvloop", action="store_true", help="on uvloop (pip install uvloop first)")
    arguments = parser.parse_args()
    if arguments.memory:
        run_memory(arguments.isolation)
        return
    with tempfile.TemporaryDirectory() as folder:
        backends = {"sqlite": f"sqlite+aiosqlite:///{folder}/bench.sqlite3", "postgresql": arguments.postgres}
        if arguments.only:
            backends = {arguments.only: backends[arguments.only]}
        loop = "uvloop" if arguments.uvloop else "asyncio"
        print(
            f"updates/s, median of {arguments.runs} runs of {arguments.users} updates, {CONCURRENCY} in flight, {loop}"
        )
        for backend, url in backends.items():
            for name, (rate, ratio) in run(url, arguments.users, arguments.runs, arguments.uvloop).items():
                print(f"{backend:<11} {name:<22} {rate:8.0f}/s ratio_to_aiogram={ratio:.3f}")


if __name__ == "__main__":
    main()
