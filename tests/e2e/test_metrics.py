"""Issue 19, items 1 and 3, in the real bot process: /metrics on the webhook server, and on a port of its own
in polling mode, moves with the updates handled; LOG_FORMAT=json writes lines that parse."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.sandbox.emulator import FakeTelegram, FakeUser
from bot.sandbox.process import free_port
from tests.e2e.harness import BotProcess, Person

pytestmark = pytest.mark.e2e

PERSON = FakeUser(id=5550001, first_name="Lin", last_name="Fang", username="linfang", language_code="en")
HANDLED = ("healthcode_updates_total", (("kind", "message"), ("outcome", "handled")))


async def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        assert response.status == 200
        body = await response.text()
    assert str(PERSON.id) not in body and PERSON.first_name not in body
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


async def two_commands(fake: FakeTelegram) -> None:
    person = Person(fake, PERSON)
    for command in ("/help", "/privacy"):
        await person.say(command)
        await person.expect(lambda message: True)  # any answer: the update was handled


@pytest.mark.parametrize("mode", ["webhook", "polling"])
async def test_metrics_move_with_updates_and_json_logs_parse(
    fake: FakeTelegram, start_bot: Callable[..., BotProcess], mode: str
) -> None:
    metrics_port = free_port()
    env = {"LOG_FORMAT": "json", "METRICS_PORT": str(metrics_port)}
    bot = await start_bot(mode, extra_env=env)
    url = f"{bot.webhook_base}/metrics" if mode == "webhook" else f"http://127.0.0.1:{metrics_port}/metrics"
    before = await scrape(url)
    await two_commands(fake)
    # The answer reaches Telegram a moment before its update is counted done: scrape until it is.
    for _ in range(50):
        after = await scrape(url)
        if after.get(HANDLED, 0.0) - before.get(HANDLED, 0.0) >= 2:
            break
        await asyncio.sleep(0.1)
    assert after[HANDLED] - before.get(HANDLED, 0.0) == 2
    labels = (("method", "SendMessage"), ("result", "ok"), ("source", "reply"))
    requests = ("healthcode_telegram_requests_total", labels)
    assert after[requests] > before.get(requests, 0.0)
    assert after[("healthcode_database_up", ())] == 1

    lines = [json.loads(line) for line in bot.log().splitlines() if line.startswith("{")]
    updates = [line for line in lines if line["logger"] == "bot.updates"]
    assert len(updates) >= 2 and all(line["outcome"] == "handled" for line in updates)
    assert {"update_id", "handler", "duration_ms"} <= updates[-1].keys()
    assert str(PERSON.id) not in bot.log() and PERSON.first_name not in bot.log()
