"""/report's chart: the 14 days' numbers in SQL on both databases, and a PNG that decodes and differs."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Verification
from bot.i18n import create_i18n
from bot.organizations import chart
from bot.organizations.admin import presenter as admin_presenter
from bot.organizations.admin import service as admin_service
from bot.organizations.chart import ChartCache
from bot.organizations.invites import service as invites_service
from bot.organizations.report import presenter as report_presenter
from bot.organizations.report import service as report_service
from tests.organizations.test_service import (
    ADMIN,
    ADMINS,
    DAY,
    NOW,
    ZONE,
    add_user,
    at,
    audit,
    create,
    declare,
    make_hr,
)
from tests.stories import check_in

HR = 900


async def member(sessions: async_sessionmaker[AsyncSession], user_id: int, invite_code: str, **answers: object) -> None:
    await add_user(sessions, user_id)
    async with sessions() as session:
        await invites_service.join(session, user_id, invite_code)
    await declare(sessions, user_id, at(DAY - timedelta(days=5)), **answers)


async def test_the_chart_counts_check_ins_per_day_by_colour_and_draws_a_png(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first, second = await create(session_factory, "Uni"), await create(session_factory, "Plant")
    await add_user(session_factory, HR, "zh")
    await make_hr(session_factory, HR, first.id)
    for user_id in (10, 11, 12):
        await member(session_factory, user_id, first.invite_code)
    await member(session_factory, 20, second.invite_code)
    for days_ago, user_ids in ((0, (10, 11)), (1, (10,)), (3, (10, 11, 12))):
        for user_id in user_ids:
            await check_in(session_factory, user_id, at(DAY - timedelta(days=days_ago)))
    await check_in(session_factory, 20, NOW)

    async with session_factory() as session:
        history = await report_service.report_history(session, HR, ADMINS, first.id, NOW, ZONE)
        other = await report_service.report_history(session, ADMIN, ADMINS, second.id, NOW, ZONE)
        refused = await report_service.report_history(session, HR, ADMINS, second.id, NOW, ZONE)
    assert refused is None
    assert history is not None and other is not None
    assert history.members == 3
    assert [day.day for day in history.days] == [DAY - timedelta(days=13 - offset) for offset in range(14)]
    # Today's colour of each who checked in: all green here; day 2 ago had no check-ins at all.
    assert [day.checked_in for day in history.days[-4:]] == [3, 0, 1, 2]
    assert history.days[-1].colours == {"green": 2}
    assert [day.checked_in for day in other.days[-2:]] == [0, 1]
    # Later the same day the past days come from the cache and only today is counted again.
    await check_in(session_factory, 12, NOW)
    async with session_factory() as session:
        later = await report_service.report_history(session, HR, ADMINS, first.id, NOW, ZONE, history.days[:-1])
    assert later is not None and later.days[:-1] == history.days[:-1]
    assert later.days[-1].checked_in == 3

    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("zh"):
        labels = report_presenter.chart_labels(history, "zh")
    assert "Uni中文" in labels.title and "天" in labels.title
    png = chart.draw(history.days, history.members, labels)
    with i18n.context(), i18n.use_locale("en"):
        other_png = chart.draw(other.days, other.members, report_presenter.chart_labels(other, "en"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.size == (800, 450)
    assert png != other_png


def test_the_cache_keeps_a_chart_for_five_minutes_only() -> None:
    now = [0.0]
    cache = ChartCache(seconds=300, size=2, clock=lambda: now[0])
    cache.put((1, "en"), b"one")
    assert cache.get((1, "en")) == b"one"
    assert cache.get((1, "zh")) is None
    now[0] = 301
    assert cache.get((1, "en")) is None
    cache.put((1, "en"), b"a")
    cache.put((2, "en"), b"b")
    cache.put((3, "en"), b"c")
    assert cache.get((1, "en")) is None and cache.get((3, "en")) == b"c"


async def test_stats_count_everyone_today_for_administrators_only(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    organization = await create(session_factory)
    for user_id in (10, 11):
        await member(session_factory, user_id, organization.invite_code)
    await add_user(session_factory, 12)  # registered, never declared: no code
    await check_in(session_factory, 10, NOW)
    await check_in(session_factory, 11, NOW - timedelta(days=1))
    async with session_factory.begin() as session:
        for when in (NOW, NOW - timedelta(hours=2), NOW - timedelta(days=1)):
            session.add(Verification(at=when, staff_id=7, holder_id=10, valid=True, reason="ok", colour="green"))

    async with session_factory() as session:
        assert await admin_service.city_stats(session, 10, ADMINS, NOW, ZONE) is None
        stats = await admin_service.city_stats(session, ADMIN, ADMINS, NOW, ZONE)
    assert stats is not None
    counts = stats.counts
    assert (counts.people, counts.green, counts.no_code, counts.checked_in) == (3, 2, 1, 1)
    assert counts.verifications == 2
    assert stats.appeals_open == 0
    entries = await audit(session_factory)
    assert ("denied", 10, {"attempted": "stats"}) in [(e.action, e.actor_id, e.details) for e in entries]
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("zh"):
        text = admin_presenter.city_stats_text(stats, "zh")
    assert "人数：3" in text and "今日卡口核验次数：2" in text
