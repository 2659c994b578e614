"""What goes wrong in real life that only a process shows: a killed bot process, bad settings, webhook callers.

Old buttons and forged callbacks: tests/registration/test_conversation.py, in this process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox.emulator import FakeTelegram, FakeUser
from bot.sandbox.process import WEBHOOK_SECRET, free_port
from tests.e2e.harness import ROOT, Person
from tests.scenarios import onboard

pytestmark = pytest.mark.e2e


async def test_a_killed_bot_continues_at_the_same_question(fake: FakeTelegram, start_bot) -> None:
    bot = await start_bot("polling")
    ana = Person(fake, FakeUser(id=3003, first_name="Ana", language_code="pt-br"))
    await onboard(ana)
    await ana.say("Ana Souza", expect="nationality")
    await ana.say("Brazil", expect="ID document")
    await ana.press("Passport", expect="number of that document")

    await bot.kill()
    await start_bot("polling")

    await ana.say("FX123456", expect="mobile number")
    await ana.say("/start", expect="continue where you stopped")
    await ana.expect("mobile number")
    await ana.say("+55 11 91234-5678", expect="which district")
    await ana.press("Haishu", expect="address")
    await ana.press("Back", expect="Current answer: Haishu")
    await ana.say("Cancel", expect="Cancelled")


async def test_webhook_refuses_requests_without_the_secret_and_reports_health(fake: FakeTelegram, start_bot) -> None:
    bot = await start_bot("webhook")
    update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "/start"},
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{bot.webhook_base}/telegram", json=update) as response:
            assert response.status in {401, 403}
        headers = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        async with http.post(f"{bot.webhook_base}/telegram", json=update, headers=headers) as response:
            assert response.status in {401, 403}
        async with http.get(f"{bot.webhook_base}/healthz") as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"

        # Telegram re-delivers an update it got no timely answer for: the second copy is not answered again.
        mei = FakeUser(id=6006, first_name="Mei", language_code="en")
        fake.add_user(mei)
        update = {
            "update_id": 777,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": mei.id, "type": "private"},
                "from": {"id": mei.id, "is_bot": False, "first_name": "Mei", "language_code": "en"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        mark = fake.mark()
        for _attempt in range(2):
            async with http.post(f"{bot.webhook_base}/telegram", json=update, headers=headers) as response:
                assert response.status == 200
        await asyncio.sleep(0.5)
        answers = [call for call in fake.calls[mark:] if call.method == "sendMessage"]
        assert len(answers) == 1 and "Choose your language" in answers[0].params["text"]
    assert fake.webhook is not None and fake.webhook.get("secret_token") == WEBHOOK_SECRET


async def _start_bot_cli(*args: str, **env: str) -> asyncio.subprocess.Process:
    environment = {key: value for key, value in os.environ.items() if key not in {"BOT_TOKEN", "DATABASE_URL"}}
    environment.update(env)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        # Its own process group, as a terminal gives a command: Ctrl+C signals the whole group.
        start_new_session=True,
    )


async def _run_bot_cli(*args: str, **env: str) -> tuple[int, str]:
    process = await _start_bot_cli(*args, **env)
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, output.decode()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # The parent's id is the second field after the command, which is in parentheses and may hold spaces.
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits to be collected


@pytest.mark.parametrize("interrupt", ["ctrl+c", "kill -INT", "kill -TERM"])
async def test_without_a_token_the_bot_says_how_to_get_one_then_runs_the_sandbox_until_interrupted(
    tmp_path, interrupt: str
) -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("finds the bot's process in Linux's /proc")
    port = free_port()
    process = await _start_bot_cli("--port", str(port), DATA_DIR=str(tmp_path))
    assert process.stdout is not None
    try:
        ready = f"Sandbox ready: open http://127.0.0.1:{port}/ "
        output = ""
        async with asyncio.timeout(60):
            while ready not in output:
                line = (await process.stdout.readline()).decode()
                assert line, f"it stopped before the sandbox was ready:\n{output}"
                output += line
        help_text = output[: output.index(ready)]
        assert "BOT_TOKEN" in help_text and "@BotFather" in help_text and ".env" in help_text
        assert "Traceback" not in output
        [bot] = _children(process.pid)
        assert Path(f"/proc/{bot}/cmdline").read_bytes().split(b"\0")[1:3] == [b"-m", b"bot"]

        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/") as response:
                assert response.status == 200 and response.content_type == "text/html"
            # The page open in a browser holds an event stream; stopping must not wait for the browser.
            async with http.get(f"http://127.0.0.1:{port}/api/events") as stream:
                assert (await asyncio.wait_for(stream.content.readline(), 10)).startswith(b"retry:")
                if interrupt == "ctrl+c":
                    os.killpg(process.pid, signal.SIGINT)
                else:  # only the sandbox hears it: it must stop the bot itself
                    process.send_signal(signal.SIGTERM if interrupt == "kill -TERM" else signal.SIGINT)
                rest, _ = await asyncio.wait_for(process.communicate(), 20)
        assert process.returncode == 0, rest.decode()
        assert "Traceback" not in rest.decode()
        assert not _running(bot), "the bot process outlived the sandbox"
    finally:
        # The whole group: a bot process left behind by a failure must not outlive the test either.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


async def test_the_sandbox_on_a_taken_port_says_so_in_one_line(tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = await _run_bot_cli("sandbox", "--port", str(port), DATA_DIR=str(tmp_path))
    assert code == 2
    assert output.strip().count("\n") == 0 and f"127.0.0.1:{port}" in output and "--port" in output, output
    assert "Traceback" not in output
    # Found before anything started: no bot ran, and the folder of a sandbox that may be using the port is intact.
    assert not (tmp_path / "sandbox").exists()


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("TIMEZONE", "Mars/Olympus"),
        ("ADMIN_IDS", "12,abc"),
        ("BOT_TOKEN", "not-a-token"),
        ("DATABASE_URL", "mysql://x"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
async def test_a_wrong_setting_is_one_line_naming_it(tmp_path, setting: str, value: str) -> None:
    env = {"BOT_TOKEN": "123:abc", "DATA_DIR": str(tmp_path), setting: value}
    code, output = await _run_bot_cli(**env)
    assert code == 2
    assert output.strip().count("\n") == 0 and setting in output, output


async def test_migrate_applies_the_schema_and_needs_no_token(tmp_path) -> None:
    database = tmp_path / "migrated.sqlite3"
    code, output = await _run_bot_cli("migrate", DATABASE_URL=f"sqlite+aiosqlite:///{database}", DATA_DIR=str(tmp_path))
    assert code == 0, output
    assert "Traceback" not in output
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"users", "declarations", "assessments", "codes", "fsm_states"} <= tables
