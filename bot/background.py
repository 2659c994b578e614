"""The bot process's background work under one roof: periodic steps and long-running tasks, started
together and stopped together.

`stop()` cancels every task and waits for each to end, so a step in progress (or the sender giving its
claim up) finishes its cleanup while the database engine and the bot's HTTP session still exist; the
caller closes those only after `stop()` returned.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

Step = Callable[[], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """`step` now, then again `interval` seconds after each one ends, forever.

    A failing step is logged and the loop goes on: the next step tries again.
    """

    name: str
    interval: float
    step: Step

    async def run(self) -> None:
        while True:
            try:
                await self.step()
            except Exception as error:  # one bad step must not end the loop, nor the bot
                # The type and the frames only: a database error's message can carry the ids it was given.
                frames = "".join(traceback.format_tb(error.__traceback__))
                logger.error("%s failed: %s\n%s", self.name, type(error).__qualname__, frames)
            await asyncio.sleep(self.interval)


class BackgroundJobs:
    """A group of background tasks with one `start()` and one `stop()` that waits for all of them."""

    def __init__(self) -> None:
        self._work: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = []
        self._steps: list[Step] = []
        self._tasks: list[asyncio.Task[None]] = []

    def every(self, name: str, interval: float, step: Step) -> None:
        """Add a periodic step (see `PeriodicJob`)."""
        # One step of a job at a time: `run_each_once` must not overlap the loop's own run of it.
        lock = asyncio.Lock()

        async def one_at_a_time() -> object:
            async with lock:
                return await step()

        self._steps.append(one_at_a_time)
        self._work.append((name, PeriodicJob(name, interval, one_at_a_time).run))

    async def run_each_once(self) -> None:
        """Every periodic step once, now, in the order added: what the loops would do by their next turn,
        without waiting for it (the in-process tests move the clock, then ask for this). Errors propagate."""
        for step in self._steps:
            await step()

    def task(self, name: str, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Add a long-running task that loops by itself (the sender); `stop()` cancels and awaits it too."""
        self._work.append((name, run))

    async def start(self) -> None:
        """Start every task (async: aiogram runs a plain function of its startup hook in a thread)."""
        if self._tasks:
            return
        self._tasks = [asyncio.create_task(run(), name=f"background: {name}") for name, run in self._work]

    async def stop(self) -> None:
        """Cancel every task and wait until each has ended; safe to call twice, or before `start()`."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        for task in tasks:
            error = None if task.cancelled() else task.exception()
            if error is not None:  # it ended by itself, before the cancel, with an error
                logger.error("%s ended with %s", task.get_name(), type(error).__qualname__)
