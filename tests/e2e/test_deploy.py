"""The deployment in deploy/, for real: Debian's nginx with deploy/nginx/health-code-bot.conf balancing
Telegram's webhook over two bot processes, on PostgreSQL and Redis, as the README's "Deployment" sets it up.

nginx runs as this test's own child on loopback (its own configuration, prefix, pid and logs in a temporary
folder; no root paths). `make test` installs it (`make nginx`); without it the test fails rather than skips,
so a machine without nginx cannot pass the suite with the deployment untested.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.db.models import Code, Declaration
from bot.sandbox.emulator import FakeTelegram, FakeUser
from bot.sandbox.process import free_port
from tests.e2e import test_redis
from tests.e2e.harness import ROOT, BotProcess, Person, count_rows, message_text, wait_until
from tests.scenarios import register

pytestmark = pytest.mark.e2e

SITE = ROOT / "deploy" / "nginx" / "health-code-bot.conf"
# Messages that appear in the chat; a callback query's answer and edits of earlier messages are not replies.
NEW_MESSAGES = {"sendMessage", "sendPhoto", "sendDocument"}

# The Redis fixture of the other several-process tests: fails (never skips) when Redis is unreachable.
redis = test_redis.redis


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)), None
    )
    if found is None:
        pytest.fail("nginx is not installed: `make nginx` (which `make test` runs) installs Debian's.", pytrace=False)
    return found


def site_for_test(site: str, listen_port: int, upstream_ports: Sequence[int | None]) -> str:
    """The shipped site with this test's ports: its upstream's `server` lines become one per test process
    (keeping their options), and it listens on loopback instead of port 80."""
    lines: list[str] = []
    upstreams = 0
    for line in site.splitlines():
        server = re.fullmatch(r"(\s*)server 127\.0\.0\.1:\d+(.*;)", line)
        if server:
            if upstreams == 0:
                lines += [f"{server[1]}server 127.0.0.1:{port}{server[2]}" for port in upstream_ports]
            upstreams += 1
            continue
        if re.fullmatch(r"\s*listen \[::\]:80;", line):
            continue
        lines.append(re.sub(r"^(\s*)listen 80;$", rf"\g<1>listen 127.0.0.1:{listen_port};", line))
    text = "\n".join(lines)
    assert upstreams >= 2 and f"listen 127.0.0.1:{listen_port};" in text, "deploy/nginx's layout changed"
    return text


class Nginx:
    """nginx in the foreground with the deployment's site, everything it writes under `folder`."""

    def __init__(self, folder: Path, upstream_ports: Sequence[int | None]) -> None:
        self.folder = folder
        self.port = free_port()
        self.binary = nginx_binary()
        self.process: asyncio.subprocess.Process | None = None
        (folder / "site.conf").write_text(site_for_test(SITE.read_text(), self.port, upstream_ports))
        (folder / "nginx.conf").write_text(self._main_config())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _main_config(self) -> str:
        folder = self.folder
        # Debian's build puts its temporary folders under /var/lib/nginx; the test's own go here, for
        # the modules this build has (nginx rejects the directive of a module it was built without).
        built = subprocess.run([self.binary, "-V"], capture_output=True, text=True, check=True).stderr
        temp_paths = "\n".join(
            f"    {module}_temp_path {folder / module};"
            for module in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            if f"--without-http_{module}_module" not in built
        )
        # As root, nginx's workers would switch to "nobody", who cannot enter the test's private folder.
        user = "user root root;" if os.geteuid() == 0 else ""
        return f"""
{user}
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} info;
events {{
    worker_connections 64;
}}
http {{
    log_format balanced '$request_method $uri $status $upstream_addr';
    access_log {folder / "access.log"} balanced;
{temp_paths}
    include {folder / "site.conf"};
}}
"""

    async def __aenter__(self) -> Nginx:
        config = self.folder / "nginx.conf"
        check = await asyncio.create_subprocess_exec(
            self.binary, "-t", "-p", str(self.folder), "-e", str(self.folder / "error.log"), "-c", str(config),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await check.communicate()
        assert check.returncode == 0, f"nginx rejects the deployment's configuration:\n{output.decode()}"
        self.process = await asyncio.create_subprocess_exec(
            self.binary, "-p", str(self.folder), "-e", str(self.folder / "error.log"), "-c", str(config),
            "-g", "daemon off;",
        )  # fmt: skip
        await wait_until(self._listening, "nginx to listen", timeout=10)
        return self

    async def _listening(self) -> bool:
        assert self.process is not None
        if self.process.returncode is not None:
            raise AssertionError(f"nginx ended at start-up:\n{self.log()}")
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        return True

    async def __aexit__(self, *exc_info: object) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGQUIT)  # nginx's graceful stop
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def requests(self) -> list[tuple[str, str, int, str]]:
        """(method, path, status, the process that answered) for each request nginx passed on."""
        path = self.folder / "access.log"
        lines = path.read_text().splitlines() if path.exists() else []
        return [(method, uri, int(status), upstream) for method, uri, status, upstream in map(str.split, lines)]

    def log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


class CountedPerson(Person):
    """A person who, after each thing they do, waits until Telegram has its update answered and notes what
    the bot did for it: the emulator delivers a webhook's updates one at a time, each answered only once
    handled, so the calls made in between are that update's."""

    def __init__(self, fake: FakeTelegram, user: FakeUser) -> None:
        super().__init__(fake, user)
        # What they did, and the bot's calls for it: (method, text or caption).
        self.updates: list[tuple[str, list[tuple[str, str]]]] = []

    async def say(self, text: str, expect: str | None = None) -> dict[str, Any] | None:
        mark = self.fake.mark()
        message = await super().say(text, expect)
        await self._note(f"said {text!r}", mark)
        return message

    async def press(
        self, label: str, expect: str | None = None, message: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        mark = self.fake.mark()
        found = await super().press(label, expect, message)
        await self._note(f"pressed {label!r}", mark)
        return found

    async def _note(self, action: str, mark: int) -> None:
        await self.fake.wait_until_idle()
        calls = self.fake.calls[mark:]
        self.updates.append(
            (action, [(call.method, call.params.get("text") or call.params.get("caption") or "") for call in calls])
        )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_webhook_processes_behind_nginx_register_a_person_once(
    fake: FakeTelegram, redis: Redis, clean_database: str, tmp_path: Path
) -> None:
    processes = []
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        processes.append(BotProcess(fake, clean_database, folder, mode="webhook", extra_env=test_redis.REDIS_ENV))
    nginx_folder = tmp_path / "nginx"
    nginx_folder.mkdir()
    try:
        # One after the other: each is started once its own setWebhook is seen.
        for process in processes:
            await process.start()
        ports = [process.webhook_port for process in processes]
        assert None not in ports
        async with Nginx(nginx_folder, ports) as nginx:
            # What the operator does once the processes are up: the webhook is the one public address.
            await test_redis.point_webhook_at(fake, f"{nginx.url}/telegram")
            mei = CountedPerson(fake, FakeUser(id=7404, first_name="Mei", language_code="en"))
            await register(fake, mei, name="Mei Lin")

            # nginx writes a request's line once the answer has gone: the last may still be on its way.
            await wait_until(lambda: len(nginx.requests()) >= len(mei.updates), "nginx's log of the last update")
            webhook = [entry for entry in nginx.requests() if entry[1] == "/telegram"]
            assert webhook and all(method == "POST" and status == 200 for method, _path, status, _up in webhook)
            # Every update was taken at its first delivery (the emulator, like Telegram, would send again
            # after an error), and the processes took turns.
            assert len(webhook) == len(mei.updates) >= 16
            assert fake.webhook is not None and "last_error_message" not in fake.webhook, fake.webhook
            served = [upstream for *_request, upstream in webhook]
            assert set(served) == {f"127.0.0.1:{port}" for port in ports}
            assert all(first != second for first, second in zip(served, served[1:], strict=False)), served

            # One answer per update: each was handled once, by one process, and said what it says once.
            handled = [
                int(update_id)
                for process in processes
                for update_id in re.findall(r"Update id=(\d+) is handled", process.log())
            ]
            assert len(handled) == len(set(handled)) == len(webhook), sorted(handled)
            for action, calls in mei.updates:
                messages = [text for method, text in calls if method in NEW_MESSAGES]
                assert messages and len(messages) == len(set(messages)), f"{action}: the bot answered {calls}"
                if action.startswith("pressed"):
                    assert [method for method, _text in calls].count("answerCallbackQuery") == 1, (action, calls)
            assert all(call.ok for call in fake.calls), [call.error for call in fake.calls if not call.ok]

            assert await count_rows(clean_database, Declaration) == 1
            assert await count_rows(clean_database, Code) == 1
            codes = [m for _index, m in mei.bot_messages() if "photo" in m and "GREEN CODE" in message_text(m)]
            assert len(codes) == 1, [message_text(m)[:80] for m in codes]

            # Through the same address, the health check reaches a process and its database.
            async with aiohttp.ClientSession() as http, http.get(f"{nginx.url}/healthz") as response:
                assert response.status == 200 and (await response.json())["status"] == "ok"
            async with aiohttp.ClientSession() as http, http.get(f"{nginx.url}/telegram") as response:
                assert response.status == 403, "only POST reaches the webhook"
    finally:
        for process in processes:
            await process.stop()
            print(f"--- bot log ({process.data_dir.name}) ---\n{process.log()[-4000:]}")
        error_log = nginx_folder / "error.log"
        if error_log.exists():
            print(f"--- nginx error log ---\n{error_log.read_text(errors='replace')[-4000:]}")
