"""The periodic runner and the group of background jobs (bot/background.py), without a database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from bot.background import BackgroundJobs, PeriodicJob


async def wait_for(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"waited {timeout} s for {what}"
        await asyncio.sleep(0.001)


async def test_a_failing_step_is_logged_without_its_message_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    steps = 0
    user_id = 4242

    async def step() -> None:
        nonlocal steps
        steps += 1
        if steps <= 2:
            raise ValueError(f"user {user_id} not found")  # a database error's message can carry ids

    jobs = BackgroundJobs()
    jobs.every("test step", 0, step)
    with caplog.at_level(logging.INFO, logger="bot.background"):
        await jobs.start()
        await wait_for(lambda: steps >= 4, "two more steps after two failures")
        await jobs.stop()
    failures = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(failures) == 2
    assert all("test step failed: ValueError" in record.getMessage() for record in failures)
    assert "4242" not in caplog.text


async def test_the_step_waits_its_interval_after_each_run() -> None:
    starts: list[float] = []

    async def step() -> None:
        starts.append(asyncio.get_running_loop().time())

    task = asyncio.create_task(PeriodicJob("spaced", 0.05, step).run())
    await wait_for(lambda: len(starts) >= 3, "three steps")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert all(later - earlier >= 0.045 for earlier, later in zip(starts, starts[1:], strict=False))


async def test_stop_waits_for_a_step_in_progress_to_finish_its_cleanup() -> None:
    started = asyncio.Event()
    cleaned = False

    async def step() -> None:
        nonlocal cleaned
        started.set()
        try:
            await asyncio.Event().wait()  # a step in the middle of its database work
        finally:
            await asyncio.sleep(0.05)  # its cleanup needs the loop (a rollback, a released claim)
            cleaned = True

    jobs = BackgroundJobs()
    jobs.every("slow step", 60, step)
    await jobs.start()
    await started.wait()
    await jobs.stop()
    assert cleaned


async def test_stop_waits_for_a_long_running_task_and_reports_nothing_pending() -> None:
    released = False

    async def sender() -> None:
        nonlocal released
        try:
            while True:
                await asyncio.sleep(0.001)
        except asyncio.CancelledError:
            await asyncio.sleep(0.05)  # the sender gives its claim up on a clean stop
            released = True
            raise

    jobs = BackgroundJobs()
    jobs.task("sender", sender)
    jobs.every("idle", 60, lambda: asyncio.sleep(0))
    await jobs.start()
    await asyncio.sleep(0.01)
    await jobs.stop()
    assert released
    mine = [task for task in asyncio.all_tasks() if task.get_name().startswith("background: ")]
    assert mine == []


async def test_stop_before_start_and_twice_is_harmless_and_a_task_that_ended_with_an_error_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken() -> None:
        raise RuntimeError("broken")

    jobs = BackgroundJobs()
    jobs.task("broken", broken)
    await jobs.stop()
    await jobs.start()
    await asyncio.sleep(0.01)
    with caplog.at_level(logging.ERROR, logger="bot.background"):
        await jobs.stop()
        await jobs.stop()
    assert [record.getMessage() for record in caplog.records] == ["background: broken ended with RuntimeError"]
