"""Checkpoint verification: codes verified per second through the real dispatcher and database, and the
time to read a code from a photo.

Verifications, on SQLite and PostgreSQL, Telegram replaced by an in-process session that answers at
once (as in bench_dispatch.py), 16 updates in flight:
- staff `/verify <token>` of a valid green code: the role check, the signature, the holder's status
  re-derived from their history, the card's reads, the log row written and committed, the card sent;
- staff `/verify` of a forged token (one changed character): refused for its signature, logged;
- a scanned code (`/start <token>`) opened by someone who is not staff: the role check, the neutral answer.
Every staff account verifies a few codes, as at a gate; each figure is the median of several runs.

Photo decoding (one core, the thread the bot runs it in): the code image as the bot draws it, a
downscaled JPEG of it (a forwarded screenshot), and a 1280x960 JPEG with the code small and turned
on a background (a staff member's camera at arm's length).

    python bench/bench_verify.py [--holders 1000] [--runs 3] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image
from sqlalchemy import text

from bench.bench_dispatch import ANSWERS, CONCURRENCY, _feed, assemble, message_update
from bot.app import code_settings_for
from bot.config import Settings, load_settings
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.db.models import Assessment, CheckIn, Code, Declaration, Role, User
from bot.domain.answers import Declaration as DeclarationAnswers
from bot.domain.qr_image import CodeCard, render_code_png
from bot.domain.status import History, status_at
from bot.domain.tokens import deep_link, issue_token
from bot.verification.reader import token_in_image

NOW = datetime.now(UTC).replace(microsecond=0)
STAFF_BASE = 5_000_000
STRANGER_BASE = 6_000_000
# Verifications per staff account in a run: well under the throttle (which counts failures only).
PER_STAFF = 5


def _settings(url: str) -> Settings:
    return load_settings(bot_token="1:x", code_secret="bench-secret", database_url=url, timezone="UTC")


def _tokens(url: str, holders: int) -> list[str]:
    key = code_settings_for(_settings(url), "bench_bot").keys[0]
    expires = int((NOW + timedelta(hours=24)).timestamp())
    return [issue_token(10_000 + user_id, int(NOW.timestamp()), expires, key) for user_id in range(1, holders + 1)]


async def prepare(url: str, holders: int) -> list[str]:
    """Green holders, each with a declaration, today's check-in, a status and a code; staff roles. Their tokens."""
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    async with engine.begin() as connection:
        for table in (
            "verifications",
            "audit_log",
            "roles",
            "codes",
            "assessments",
            "checkins",
            "declarations",
            "users",
            "fsm_states",
        ):
            await connection.execute(text(f"DELETE FROM {table}"))
    tokens = _tokens(url, holders)
    today = NOW.date()
    answers = {
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
    status = status_at(History(declarations=[DeclarationAnswers.from_dict(answers)]), today).to_dict()
    async with sessions.begin() as session:
        for user_id in range(1, holders + 1):
            session.add(
                User(id=user_id, public_id=10_000 + user_id, language="en", privacy_accepted_at=NOW, created_at=NOW)
            )
        await session.flush()
        for user_id, token in zip(range(1, holders + 1), tokens, strict=True):
            declaration = Declaration(
                user_id=user_id, answers={**answers, "full_name": f"User {user_id}"}, declared_at=NOW
            )
            session.add(declaration)
            await session.flush()
            session.add(
                CheckIn(
                    user_id=user_id,
                    day=today,
                    temperature_c=36.6,
                    symptoms=[],
                    declaration_id=declaration.id,
                    reported_at=NOW,
                )
            )
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
                rules_version=status["rules_version"],
                assessed_at=NOW,
            )
            session.add(assessment)
            await session.flush()
            session.add(
                Code(
                    user_id=user_id,
                    assessment_id=assessment.id,
                    colour="green",
                    language="en",
                    issued_at=NOW,
                    expires_at=NOW + timedelta(hours=24),
                    file_id="photo-file-id",
                    status=status,
                    token=token,
                )
            )
        for staff in range(_staff_count(holders)):
            session.add(Role(user_id=STAFF_BASE + staff, role="staff", granted_by=0, granted_at=NOW))
    await engine.dispose()
    return tokens


def _staff_count(holders: int) -> int:
    return -(-holders // PER_STAFF)


def _altered(token: str) -> str:
    return token[:20] + ("A" if token[20] != "A" else "B") + token[21:]


async def measure(url: str, tokens: list[str]) -> dict[str, float]:
    engine, storage, bot, dispatcher = assemble(url)
    counter = iter(range(1, 10**9))
    staff = _staff_count(len(tokens))
    valid = [
        message_update(next(counter), STAFF_BASE + index // PER_STAFF, f"/verify {token}")
        for index, token in enumerate(tokens)
    ]
    # Other staff accounts for the forgeries, so none reaches the throttle's 10 failures a minute.
    forged = [
        message_update(next(counter), STAFF_BASE + (index // PER_STAFF + staff // 2) % staff, f"/verify {_altered(t)}")
        for index, t in enumerate(tokens)
    ]
    scanned = [message_update(next(counter), STRANGER_BASE + index, f"/start {t}") for index, t in enumerate(tokens)]
    figures = {
        "staff /verify, valid code": await _feed(dispatcher, bot, valid),
        "staff /verify, forged code": await _feed(dispatcher, bot, forged),
        "scan by non-staff": await _feed(dispatcher, bot, scanned),
    }
    await storage.close()
    await engine.dispose()
    return figures


def run(url: str, holders: int, runs: int) -> dict[str, float]:
    upgrade(url)
    figures: dict[str, list[float]] = {}
    for _ in range(runs):
        tokens = asyncio.run(prepare(url, holders))
        for name, value in asyncio.run(measure(url, tokens)).items():
            figures.setdefault(name, []).append(value)
    return {name: statistics.median(values) for name, values in figures.items()}


# --- Photo decoding ---------------------------------------------------------------------------------


def _photos() -> dict[str, list[bytes]]:
    key = code_settings_for(_settings("sqlite+aiosqlite:///unused"), "bench_bot").keys[0]
    kinds: dict[str, list[bytes]] = {
        "code image (PNG, 480 px)": [],
        "downscaled JPEG (320 px, q60)": [],
        "camera photo (1280x960 JPEG)": [],
    }
    for index, colour in enumerate(("green", "yellow", "red") * 10):
        token = issue_token(index + 1, int(NOW.timestamp()), int(NOW.timestamp()) + 86_400, key)
        png = render_code_png(
            CodeCard(
                link=deep_link("bench_bot", token),
                colour=colour,
                holder_name="Jane Doe",
                colour_word=colour.upper(),
                validity_text="Issued",
            )
        )
        kinds["code image (PNG, 480 px)"].append(png)
        image = Image.open(io.BytesIO(png)).convert("RGB")
        small = image.resize((320, image.height * 320 // image.width))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=60)
        kinds["downscaled JPEG (320 px, q60)"].append(out.getvalue())
        scene = Image.new("RGB", (1280, 960), (110 + index, 100, 90))
        turned = image.resize((image.width * 3 // 4, image.height * 3 // 4)).rotate(4 + index % 7, expand=True)
        scene.paste(turned, (300 + 10 * index, 100))
        out = io.BytesIO()
        scene.save(out, "JPEG", quality=75)
        kinds["camera photo (1280x960 JPEG)"].append(out.getvalue())
    return kinds


def decode_times(rounds: int = 5) -> dict[str, tuple[float, int]]:
    """Median milliseconds per photo, and how many of the photos were read."""
    results = {}
    for name, images in _photos().items():
        times = []
        read = sum(token_in_image(image) is not None for image in images)
        for _ in range(rounds):
            for image in images:
                started = time.perf_counter()
                token_in_image(image)
                times.append(time.perf_counter() - started)
        results[name] = (statistics.median(times) * 1000, read * 100 // len(images))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-dispatch", action="store_true", help="only the photo decoding")
    arguments = parser.parse_args()
    print("photo decoding, median ms per photo (share read)")
    for name, (milliseconds, share) in decode_times().items():
        print(f"  {name:<32} {milliseconds:7.1f} ms  ({share}% read)")
    if arguments.skip_dispatch:
        return
    with tempfile.TemporaryDirectory() as folder:
        backends = {"sqlite": f"sqlite+aiosqlite:///{folder}/bench.sqlite3", "postgresql": arguments.postgres}
        print(
            f"verifications/s, median of {arguments.runs} runs of {arguments.holders} updates, {CONCURRENCY} in flight"
        )
        for backend, url in backends.items():
            for name, value in run(url, arguments.holders, arguments.runs).items():
                print(f"  {backend:<11} {name:<28} {value:8.0f}")


if __name__ == "__main__":
    main()
