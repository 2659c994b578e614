"""The daily job as a periodic step (bot/status/daily.py `DailyJob`): once per local day, a failed run tried again."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from bot.status import daily
from bot.status.daily import DailyJob, DailyRun

ZONE = ZoneInfo("Asia/Shanghai")


async def test_the_daily_job_runs_once_per_local_day_and_again_after_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime(2026, 3, 1, 23, 50, tzinfo=ZONE)
    runs: list[datetime] = []
    failing = False

    async def run_daily(sessions: object, bot: object, i18n: object, at: datetime, zone: tzinfo) -> DailyRun:
        if failing:
            raise ConnectionError
        runs.append(at)
        return DailyRun(reevaluated=0, changed=0, told=0)

    monkeypatch.setattr(daily, "run_daily", run_daily)
    job = DailyJob(cast(Any, None), cast(Any, None), cast(Any, None), lambda: now, ZONE)

    await job()
    await job()  # the same day: nothing
    assert runs == [datetime(2026, 3, 1, 23, 50, tzinfo=ZONE)]

    now += timedelta(minutes=15)  # past local midnight (UTC is still on the 1st)
    failing = True
    with pytest.raises(ConnectionError):
        await job()
    failing = False
    await job()  # the failed day is tried again at the next step
    await job()
    assert runs[1:] == [datetime(2026, 3, 2, 0, 5, tzinfo=ZONE)]
