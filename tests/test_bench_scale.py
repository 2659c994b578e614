"""bench/bench_scale.py seeds rows that the bot's own functions read as the bot wrote them.

The figures it prints are only worth something if the seeded city is one the bot could have made:
every stored status must be what the rules derive from the stored history, and the nightly job must
change exactly the colours whose count ends tonight.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

from sqlalchemy import func, select

from bot.accounts import Account
from bot.codes.service import CodeSettings, current_code
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import Assessment, CheckIn, User
from bot.organizations.report import service as report_service
from bot.status.daily import reevaluate
from bot.status.service import reassess

PEOPLE = 150


def _bench() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "bench" / "bench_scale.py"
    spec = importlib.util.spec_from_file_location("bench_scale", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_scale", module)
    spec.loader.exec_module(module)
    return module


async def test_the_seeded_city_is_one_the_bot_could_have_written(clean_database: str) -> None:
    bench = _bench()
    zone = bench.ZONE
    now = datetime.now(UTC).astimezone(zone).replace(hour=9, minute=0, second=0, microsecond=0).astimezone(UTC)
    first_day = now.astimezone(zone).date() - timedelta(days=bench.DAYS)
    kinds = await bench.seed(clean_database, PEOPLE, first_day, now, shapes=4)
    assert sum(kinds[kind] for kind in bench.KINDS) == PEOPLE

    engine = create_engine(clean_database)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            users = list(await session.scalars(select(User).order_by(User.id)))
            checkins = await session.scalar(select(func.count()).select_from(CheckIn))
            colours = dict(
                (
                    await session.execute(select(User.id, Assessment.colour).join(Assessment).order_by(Assessment.id))
                ).all()
            )
        assert len(users) == PEOPLE
        assert PEOPLE * 25 < checkins <= PEOPLE * bench.DAYS, "a check-in on most days"
        assert sum(colour != "green" for colour in colours.values()) == kinds["now_yellow"] + kinds["now_red"]

        # Last night, after everyone's last check-in: the rules find nothing to change in what is stored.
        yesterday_evening = now - timedelta(hours=12)
        async with sessions() as session:
            for user in users:
                result = await reassess(session, user.id, yesterday_evening, zone, cause="daily")
                assert not result.changed, (user.id, result.previous.colour if result.previous else None)
            await session.rollback()

        # Tonight, exactly the yellow counts that end tonight change.
        reevaluated, changed = await reevaluate(sessions, now.astimezone(zone).replace(hour=0, minute=5), zone)
        assert reevaluated == kinds["now_yellow"] + kinds["now_red"]
        assert changed == kinds["clearing"]

        big = bench.big_members(PEOPLE)
        async with sessions() as session:
            report = await report_service.report(session, bench.HR_ID, (), bench.BIG_ORG, now, zone)
        assert report is not None and report.members == big

        member = next(user for user in users if user.organization_id == bench.BIG_ORG)
        settings = CodeSettings(bot_username="health_code_bot", keys=(bench.SIGNING_KEY,))
        async with sessions() as session:
            shown = await current_code(
                session, Account(member.id, member.public_id, member.language), member.language, now, zone, settings
            )
        assert shown is not None and shown.holder_name
    finally:
        await engine.dispose()
