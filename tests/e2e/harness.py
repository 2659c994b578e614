"""Runs the real bot process (`python -m bot`) against the fake Bot API: for what only a process shows."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Collection, Mapping
from contextlib import suppress
from datetime import datetime
from pathlib import Path

from bot.sandbox.emulator import FakeTelegram
from bot.sandbox.process import PROJECT_ROOT, ChildProcess
from bot.sandbox.process import BotProcess as SandboxBotProcess

# The person and the reads of tests/people.py, importable from here for the tests that already do so.
from tests.inprocess import CODE_SECRET
from tests.people import Person, count_rows, inline_buttons, message_text, wait_until

__all__ = [
    "CODE_SECRET",
    "ROOT",
    "BotProcess",
    "Person",
    "WarmInterpreter",
    "count_rows",
    "inline_buttons",
    "message_text",
    "wait_until",
]

ROOT = PROJECT_ROOT


class BotProcess(SandboxBotProcess):
    """The real bot process with the end-to-end tests' fixed code secret (tokens are checked against it)."""

    def __init__(
        self,
        fake: FakeTelegram,
        database_url: str,
        data_dir: Path,
        mode: str = "polling",
        now: datetime | None = None,
        admin_ids: Collection[int] = (),
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            fake,
            database_url,
            data_dir,
            code_secret=CODE_SECRET,
            mode=mode,
            now=now,
            admin_ids=admin_ids,
            extra_env=extra_env,
        )

    async def start(self, timeout: float = 30) -> None:
        try:
            await super().start(timeout)
        except RuntimeError as error:
            raise AssertionError(str(error)) from None

    async def spawn(self) -> ChildProcess:
        if WarmInterpreter.current is None:
            return await super().spawn()
        return await WarmInterpreter.current.spawn(["run"], self.environment(), self.cwd, self.log_path)


class WarmInterpreter:
    """The client of tests/e2e/warm_interpreter.py: bot processes forked from an interpreter that has
    imported the bot, instead of a cold `python -m bot` each (about 3 s of imports saved per start)."""

    current: WarmInterpreter | None = None  # set for the session by the e2e tests' conftest

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self.server: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.server = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.warm_interpreter", str(self.socket_path)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.server.stdout is not None
        ready = self.server.stdout.readline()
        if ready.strip() != b"ready":
            self.stop()
            raise RuntimeError(f"the warm interpreter did not start (exit code {self.server.returncode})")

    def stop(self) -> None:
        if self.server is None:
            return
        if self.server.stdin is not None:
            self.server.stdin.close()  # its signal to end
        try:
            self.server.wait(10)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()

    async def spawn(self, argv: list[str], env: Mapping[str, str], cwd: Path, log: Path) -> ChildProcess:
        reader, writer = await asyncio.open_unix_connection(str(self.socket_path))
        request = {"argv": argv, "env": dict(env), "cwd": str(cwd), "log": str(log)}
        writer.write(json.dumps(request).encode() + b"\n")
        await writer.drain()
        pid = int(await reader.readline())
        return ForkedChild(pid, reader, writer)


class ForkedChild:
    """A bot process forked by the warm interpreter, with asyncio's Process interface the launcher uses."""

    def __init__(self, pid: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._ended = asyncio.ensure_future(self._watch(reader, writer))

    async def _watch(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()  # the server writes the exit code when the child has ended
        writer.close()
        self.returncode = int(line) if line.strip() else -signal.SIGKILL  # no line: the server itself is gone

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            with suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    async def wait(self) -> int:
        await asyncio.shield(self._ended)
        assert self.returncode is not None
        return self.returncode
