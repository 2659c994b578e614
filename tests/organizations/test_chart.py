"""/report's and /stats' charts: the 14 days' numbers in SQL on both databases, stored days, and a PNG that
decodes and differs."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import OrganizationDay, User, Verification
from bot.db.repositories.organizations import OrganizationRepository
from bot.i18n import create_i18n
from bot.organizations import chart
from bot.organizations.admin import presenter as admin_presenter
from bot.organizations.admin import service as admin_service
from bot.organizations.chart import ChartCache
from bot.organizations.invites import service as invites_service
from bot.organizations.report import presenter as report_presenter
from bot.organizations.report import service as report_service
from bot.sandbox.emulator import FakeUser
from bot.status.daily import store_yesterday
from tests.inprocess import ADMIN as HARNESS_ADMIN
from tests.inprocess import Harness, texts
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


async def stored_days(sessions: async_sessionmaker[AsyncSession], organization_id: int) -> dict[object, object]:
    async with sessions() as session:
        return dict(await OrganizationRepository(session).stored_days(organization_id, DAY - timedelta(days=30), DAY))


async def test_past_days_are_counted_once_then_read_from_their_stored_totals(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    organization = await create(session_factory, "Uni")
    await add_user(session_factory, HR)
    await make_hr(session_factory, HR, organization.id)
    for user_id in (10, 11, 12):
        await member(session_factory, user_id, organization.invite_code)
    await check_in(session_factory, 10, at(DAY - timedelta(days=1)))

    async with session_factory() as session:
        first = await report_service.report_history(session, HR, ADMINS, organization.id, NOW, ZONE)
    assert first is not None and first.days[-2].checked_in == 1
    async with session_factory() as session:
        rows = await session.scalar(select(func.count()).select_from(OrganizationDay))
    assert rows == 13  # every past day, those without a check-in as zeros; never today

    # A stored day is read, not counted again: a check-in written into it afterwards does not show
    # (the bot never writes one; this only tells a stored row from a recount).
    await check_in(session_factory, 11, at(DAY - timedelta(days=1)))
    async with session_factory() as session:
        again = await report_service.report_history(session, HR, ADMINS, organization.id, NOW, ZONE)
    assert again is not None and again.days == first.days


async def test_the_daily_job_stores_yesterday_by_colour_for_every_organization(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    uni, plant = await create(session_factory, "Uni"), await create(session_factory, "Plant")
    for user_id in (10, 11, 12):
        await member(session_factory, user_id, uni.invite_code)
    await member(session_factory, 20, plant.invite_code)
    await add_user(session_factory, 30)  # in no organization
    await declare(session_factory, 30, at(DAY - timedelta(days=5)))
    yesterday = DAY - timedelta(days=1)
    for user_id in (10, 11, 30):
        await check_in(session_factory, user_id, at(yesterday))
    # 11 checked in again today (its last check-in day is today, yesterday's is found by the index);
    # 12 checked in two days ago and today, never yesterday.
    await check_in(session_factory, 12, at(DAY - timedelta(days=2)))
    for user_id in (11, 12):
        await check_in(session_factory, user_id, NOW)
    async with session_factory.begin() as session:
        await session.execute(update(User).where(User.id == 11).values(colour="red"))

    await store_yesterday(session_factory, yesterday)
    assert await stored_days(session_factory, uni.id) == {yesterday: {"green": 1, "red": 1}}
    assert await stored_days(session_factory, plant.id) == {yesterday: {}}
    async with session_factory() as session:
        everyone = await OrganizationRepository(session).stored_city_days(yesterday, yesterday)
    assert everyone == {yesterday: {"green": 2, "red": 1}}  # 30, in no organization, too

    # Run again (another process, or the job retried), after a colour changed: the first count stays.
    async with session_factory.begin() as session:
        await session.execute(update(User).where(User.id == 10).values(colour="yellow"))
    await store_yesterday(session_factory, yesterday)
    assert await stored_days(session_factory, uni.id) == {yesterday: {"green": 1, "red": 1}}

    await add_user(session_factory, HR)
    await make_hr(session_factory, HR, uni.id)
    async with session_factory() as session:
        history = await report_service.report_history(session, HR, ADMINS, uni.id, NOW, ZONE)
    assert history is not None
    assert history.days[-2].colours == {"green": 1, "red": 1}
    assert history.days[-3].checked_in == 1  # counted from the check-ins, as no job stored it


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
    # The chart: today from the counts, yesterday counted once (no job stored it) and then stored.
    assert [day.day for day in stats.days] == [DAY - timedelta(days=13 - offset) for offset in range(14)]
    assert stats.days[-1].colours == {"green": 1} and stats.days[-2].colours == {"green": 1}
    assert stats.days[-6].checked_in == 2  # the two members' declarations five days ago
    async with session_factory() as session:
        stored = await OrganizationRepository(session).stored_city_days(DAY - timedelta(days=13), DAY)
    assert len(stored) == 13 and stored[DAY - timedelta(days=1)] == {"green": 1}
    with i18n.context(), i18n.use_locale("zh"):
        labels = admin_presenter.city_chart_labels(stats, "zh")
    assert labels.title == "全体人员：近14天打卡情况"
    png = chart.draw(stats.days, counts.people, labels)
    assert Image.open(io.BytesIO(png)).size == (800, 450)


async def test_stats_sends_administrators_the_city_chart_and_nobody_else(harness: Harness) -> None:
    await harness.add_account(HARNESS_ADMIN)
    calls = await harness.send(HARNESS_ADMIN, "/stats")
    assert [call.method for call in calls] == ["sendMessage", "sendPhoto"]
    assert texts(calls)[0].startswith("<b>Everyone, ")
    image = Image.open(io.BytesIO(calls[1].files["photo"]))
    assert image.format == "PNG" and image.size == (800, 450)

    stranger = FakeUser(id=5, first_name="Mallory", language_code="en")
    await harness.add_account(stranger)
    calls = await harness.send(stranger, "/stats")
    assert [call.method for call in calls] == ["sendMessage"]
    assert "Everyone" not in texts(calls)[0]
