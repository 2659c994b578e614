"""REDIS_URL set: conversations live in Redis, so a restarted process or another one behind the same webhook
carries on a form where it stopped, and /delete ends it there too. Nothing about a person may be answered
from one process's own memory: not their account, not which of their updates were already handled.

Redis must be running (`.ci/run` starts it). The tests use one logical database of their own
(TEST_REDIS_URL, db 7 by default), emptied at the start of each test, because the server may be shared.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.db.models import Declaration, FsmState
from bot.sandbox.emulator import FakeTelegram, FakeUser
from bot.sandbox.process import WEBHOOK_SECRET, free_port
from tests.e2e.harness import BotProcess, Person, count_rows, message_text, wait_until
from tests.scenarios import answer_health, onboard, register

pytestmark = pytest.mark.e2e

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
REDIS_ENV = {"REDIS_URL": REDIS_URL}
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        await client.ping()
        unreachable = None
    except (RedisError, OSError) as error:
        unreachable = error
    if unreachable is not None:
        await client.aclose()
        # A failure, not a skip: without Redis this path would silently go untested.
        pytest.fail(
            f"Redis at {REDIS_URL} is not reachable ({unreachable}). Start it (`.ci/run` does, or "
            "`redis-server --daemonize yes`) or point TEST_REDIS_URL at one.",
            pytrace=False,
        )
    await client.flushdb()
    yield client
    await client.aclose()


def state_key(person: Person) -> str:
    # DefaultKeyBuilder(with_destiny=True) gives fsm:<chat>:<user>:<destiny>:<part>; a private chat's id is the user's.
    return f"fsm:{person.user.id}:{person.user.id}:default:state"


def data_key(person: Person) -> str:
    return f"fsm:{person.user.id}:{person.user.id}:default:data"


async def conversation_keys(redis: Redis, person: Person) -> list[str]:
    """Every key naming this person, whatever the key builder puts around the id, but the lock of an update
    in progress: it lives only while one is handled."""
    keys = [key async for key in redis.scan_iter(match=f"*:{person.user.id}:*")]
    return sorted(key for key in keys if not key.endswith(":lock"))


def last_summary(person: Person) -> str:
    summaries = [message_text(m) for _i, m in person.bot_messages() if "Please check your answers" in message_text(m)]
    assert summaries, "the form never reached its summary"
    return summaries[-1]


async def test_a_killed_bot_continues_the_form_from_redis_and_the_database_holds_no_conversation(
    fake: FakeTelegram, start_bot, redis: Redis, clean_database: str
) -> None:
    bot = await start_bot("polling", extra_env=REDIS_ENV)
    ana = Person(fake, FakeUser(id=7101, first_name="Ana", language_code="en"))
    await onboard(ana)
    await ana.say("Ana Souza", expect="nationality")
    await ana.say("Brazil", expect="ID document")
    await ana.press("Passport", expect="number of that document")

    assert await redis.get(state_key(ana)) == "Registration:id_number"
    stored = json.loads(await redis.get(data_key(ana)))
    assert stored["answers"]["full_name"] == "Ana Souza"
    # Redis forgets an unfinished form on its own after RETENTION_DAYS (60 by default): the privacy notice's promise.
    for key in (state_key(ana), data_key(ana)):
        assert 59 * 86400 < await redis.ttl(key) <= 60 * 86400
    assert await count_rows(clean_database, FsmState) == 0

    # A kill while the update still holds its lock would leave the lock to expire (60 s) and the update
    # to be polled again: this test is about the state, so it kills between updates.
    await fake.wait_until_idle()
    await wait_until(lambda: _unlocked(redis, ana), "the update's lock to be released")
    await bot.kill()
    await start_bot("polling", extra_env=REDIS_ENV)

    await ana.say("FX123456", expect="mobile number")
    await ana.say("+55 11 91234-5678", expect="which district")
    await ana.press("Haishu", expect="address there")
    await ana.say("88 Zhongshan West Road", expect="in Ningbo now")
    await ana.press("Yes, I am in Ningbo", expect="stayed in any of these")
    await answer_health(ana)

    summary = last_summary(ana)
    for answer in ("Ana Souza", "Brazil", "Passport", "FX123456", "Haishu", "88 Zhongshan West Road"):
        assert answer in summary, f"{answer!r} was lost: {summary}"
    assert await count_rows(clean_database, FsmState) == 0


class RoundRobin:
    """A load balancer in front of several bot processes, as a deployment with one webhook URL has one:
    each update goes to the next process, and its answer (which may carry a method call) goes back to Telegram.
    """

    def __init__(self, processes: Sequence[BotProcess]) -> None:
        self.processes = processes
        self.served: list[int] = []  # for each update forwarded, the index of the process that got it
        self.port = free_port()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    async def __aenter__(self) -> RoundRobin:
        self._client = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_post("/telegram", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._client is not None
        index = len(self.served) % len(self.processes)
        self.served.append(index)
        headers = {name: request.headers[name] for name in ("Content-Type", SECRET_HEADER) if name in request.headers}
        target = f"{self.processes[index].webhook_base}/telegram"
        async with self._client.post(target, data=await request.read(), headers=headers) as response:
            back = {"Content-Type": response.headers["Content-Type"]} if "Content-Type" in response.headers else {}
            return web.Response(status=response.status, body=await response.read(), headers=back)


async def point_webhook_at(fake: FakeTelegram, url: str) -> None:
    """What the operator does once the processes are up: set the webhook to the balancer, through the Bot API."""
    async with aiohttp.ClientSession() as http:
        endpoint = f"{fake.base_url}/bot{fake.token}/setWebhook"
        async with http.post(endpoint, json={"url": url, "secret_token": WEBHOOK_SECRET}) as response:
            assert (await response.json())["ok"], await response.text()


def text_update(person: Person, text: str) -> dict[str, Any]:
    # Far above the fake's own update ids, so no process has seen this one before.
    update_id = 9_000_000 + len(person.fake.calls)
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": person.user.id, "type": "private"},
            "from": {
                "id": person.user.id,
                "is_bot": False,
                "first_name": person.user.first_name,
                "language_code": "en",
            },
            "text": text,
        },
    }


async def deliver(process: BotProcess, update: dict[str, Any]) -> None:
    """Straight to one process's webhook, as Telegram (through a balancer) would; handled before the answer."""
    async with aiohttp.ClientSession() as http:
        headers = {SECRET_HEADER: WEBHOOK_SECRET}
        async with http.post(f"{process.webhook_base}/telegram", json=update, headers=headers) as response:
            assert response.status == 200, await response.text()


async def test_two_processes_behind_one_webhook_share_the_form_the_account_and_what_was_handled(
    fake: FakeTelegram, redis: Redis, clean_database: str, tmp_path: Path
) -> None:
    processes = []
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        processes.append(BotProcess(fake, clean_database, folder, mode="webhook", extra_env=REDIS_ENV))
    try:
        for process in processes:
            await process.start()
        async with RoundRobin(processes) as balancer:
            await point_webhook_at(fake, balancer.url)
            li = Person(fake, FakeUser(id=7202, first_name="Li", language_code="en"))
            await register(fake, li, name="Li Wei")

            steps = len(balancer.served)
            assert steps >= 16 and balancer.served == [step % 2 for step in range(steps)]
            summary = last_summary(li)
            for answer in ("Li Wei", "United Kingdom", "Passport", "E12345678", "Yinzhou", "199 Taikang East Road"):
                assert answer in summary, f"{answer!r} was lost: {summary}"
            assert await count_rows(clean_database, Declaration) == 1
            # A submitted form leaves nothing behind in Redis.
            await wait_until(lambda: _no_keys(redis, li), "the finished form's keys to go")
            assert await count_rows(clean_database, FsmState) == 0

            # The account changes in one process and is read by the other in the very next update: a process
            # answering from its own memory of the account would speak English, or find nothing to delete.
            await li.say("/language", expect="Choose your language")
            await li.press("中文", expect="语言已设为中文")
            await li.say("/help", expect="命令")
            await li.say("/delete", expect="/mydata")
            await li.press("全部删除", expect="已删除")
            await li.say("/start", expect="Choose your language")
            assert len(set(balancer.served[steps:])) == 2

            await li.press("English", expect="Privacy notice")
            await li.press("I agree", expect="What is your full name")
            # Telegram sends an update again when it heard no timely answer, and behind a balancer the copy may
            # reach the other process. Taken twice, the name would be taken as the nationality too.
            mark = fake.mark()
            update = text_update(li, "Li Wei")
            for process in processes:
                await deliver(process, update)
            replies = [message_text(message) for _index, message in li.bot_messages(mark)]
            assert len(replies) == 1 and "nationality" in replies[0], replies
            assert await redis.get(state_key(li)) == "Registration:nationality"
    finally:
        for process in processes:
            await process.stop()
            print(f"--- bot log ({process.data_dir.name}) ---\n{process.log()[-4000:]}")


async def test_delete_removes_the_conversation_from_redis(fake: FakeTelegram, start_bot, redis: Redis) -> None:
    await start_bot("polling", extra_env=REDIS_ENV)
    jane = Person(fake, FakeUser(id=7303, first_name="Jane", language_code="en"))
    await onboard(jane)
    await jane.say("Jane Doe", expect="nationality")
    assert await conversation_keys(redis, jane) == sorted([data_key(jane), state_key(jane)])

    await jane.say("/delete", expect="cannot be undone")
    await jane.press("Delete everything", expect="has been deleted")
    # A form may hold a name and an ID number: none of it may wait for its TTL to run out.
    assert await conversation_keys(redis, jane) == []
    await jane.say("Germany", expect="did not understand")
    await jane.say("/start", expect="Choose your language")


async def _unlocked(redis: Redis, person: Person) -> bool:
    return not await redis.exists(f"fsm:{person.user.id}:{person.user.id}:lock")


async def _no_keys(redis: Redis, person: Person) -> bool:
    return not await conversation_keys(redis, person)
