"""Runs the real bot (`python -m bot`) as a child process against the emulator, as it would run against Telegram.

Shared by the sandbox and the end-to-end tests, so both exercise exactly the process a deployment runs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Collection, Mapping
from datetime import datetime
from pathlib import Path
from typing import Protocol

from .emulator import FakeTelegram

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "sandbox_webhook_secret"
TIMEZONE = "Asia/Shanghai"  # Ningbo's, the rules' home


class ChildProcess(Protocol):
    """What the launcher needs of a started bot: asyncio's subprocess, or the tests' forked one."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    def send_signal(self, signum: int) -> None: ...

    def kill(self) -> None: ...

    async def wait(self) -> int: ...


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]  # (host, port) for AF_INET, typed Any by the socket stubs
        return port


def write_clock(path: Path, now: datetime) -> None:
    """Sets the bot's "now" (its CLOCK_FILE) to `now`, an aware moment."""
    assert now.tzinfo is not None
    # Written whole and then renamed: the bot reads the file at any moment and must never see half of it.
    scratch = path.with_suffix(".writing")
    scratch.write_text(now.isoformat(), encoding="utf-8")
    scratch.replace(path)


class BotProcess:
    """One `python -m bot` process whose Bot API is `fake`; its output goes to `data_dir/bot.log`."""

    def __init__(
        self,
        fake: FakeTelegram,
        database_url: str,
        data_dir: Path,
        *,
        code_secret: str,
        mode: str = "polling",
        now: datetime | None = None,
        admin_ids: Collection[int] = (),
        cwd: Path = PROJECT_ROOT,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.fake = fake
        self.admin_ids = tuple(admin_ids)
        self.code_secret = code_secret
        # With `now`, the bot's clock is a file the caller moves (set_clock); without, the real time.
        self.clock_path = data_dir / "clock" if now is not None else None
        if now is not None:
            self.set_clock(now)
        self.database_url = database_url
        self.data_dir = data_dir
        self.mode = mode
        self.cwd = cwd
        self.extra_env = dict(extra_env or {})
        self.webhook_port = free_port() if mode == "webhook" else None
        self.process: ChildProcess | None = None
        self.log_path = data_dir / "bot.log"

    def set_clock(self, now: datetime) -> None:
        assert self.clock_path is not None, "start the bot with now=... to move its clock"
        write_clock(self.clock_path, now)

    @property
    def webhook_base(self) -> str:
        return f"http://127.0.0.1:{self.webhook_port}"

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("WEBHOOK_", "REDIS_"))}
        env.update(
            BOT_TOKEN=self.fake.token,
            TELEGRAM_API_URL=self.fake.base_url,
            DATABASE_URL=self.database_url,
            DATA_DIR=str(self.data_dir),
            CODE_SECRET=self.code_secret,
            TIMEZONE=TIMEZONE,
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        env.pop("CLOCK_FILE", None)
        env["ADMIN_IDS"] = ",".join(str(admin_id) for admin_id in self.admin_ids)
        if self.clock_path is not None:
            env["CLOCK_FILE"] = str(self.clock_path)
        if self.mode == "webhook":
            env.update(
                WEBHOOK_URL=f"{self.webhook_base}/telegram",
                WEBHOOK_SECRET=WEBHOOK_SECRET,
                WEBHOOK_HOST="127.0.0.1",
                WEBHOOK_PORT=str(self.webhook_port),
            )
        env.update(self.extra_env)
        return env

    async def start(self, timeout: float = 30) -> None:
        mark = self.fake.mark()
        self.process = await self.spawn()
        ready_method = "setWebhook" if self.mode == "webhook" else "getUpdates"
        try:
            await self.fake.wait_for_call(ready_method, timeout=timeout, after=mark)
        except TimeoutError:
            await self.kill()
            raise RuntimeError(f"the bot did not start; its log:\n{self.log()[-6000:]}") from None

    async def spawn(self) -> ChildProcess:
        """`python -m bot` with this environment, its output appended to the log."""
        with open(self.log_path, "ab") as log:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=self.cwd, env=self.environment(), stdout=log, stderr=log
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def stop(self) -> None:
        await self._end(signal.SIGTERM)

    async def kill(self) -> None:
        """As a crash or an OOM kill would: no chance to clean up."""
        await self._end(signal.SIGKILL)

    async def _end(self, signum: int) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signum)
        try:
            await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
