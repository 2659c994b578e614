"""Issue 12, item 6: a malformed webhook body is refused (400), or dropped (200) when Telegram sent an update
this aiogram cannot read, instead of a 500 that Telegram retries for hours; the log names the error's type
and the update id, never the body (pydantic's `input_value=` would put names and ID numbers there)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.types import Message
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_webhook_app
from bot.config import load_settings
from bot.db.engine import create_engine
from tests.stories import close_quickly

SECRET = "webhook-s3cret"
PERSONAL = "Zhang Wei 110101199003077777"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}


@pytest.fixture
async def webhook(tmp_path: Path) -> AsyncIterator[tuple[TestClient, list[str]]]:
    settings = load_settings(
        webhook_url="https://bot.example.org/telegram", webhook_secret=SECRET, data_dir=tmp_path, _env_file=None
    )
    handled: list[str] = []
    router = Router()

    @router.message()
    async def record(message: Message) -> None:
        handled.append(message.text or "")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = Bot("123456789:AAE-not-a-real-token")
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    client = TestClient(TestServer(create_webhook_app(settings, dispatcher, bot, engine)))
    await client.start_server()
    try:
        yield client, handled
    finally:
        await client.close()
        await close_quickly(bot)
        await engine.dispose()


def update(update_id: int, text: str) -> dict[str, object]:
    person = {"id": 42, "is_bot": False, "first_name": "Wei"}
    message = {"message_id": 1, "date": 1_700_000_000, "chat": {"id": 42, "type": "private"}, "from": person}
    return {"update_id": update_id, "message": {**message, "text": text}}


def assert_nothing_personal_logged(caplog: pytest.LogCaptureFixture) -> None:
    logged = caplog.text + "".join(str(record.exc_info) for record in caplog.records)
    assert PERSONAL not in logged
    assert "input_value" not in logged


@pytest.mark.parametrize(
    "body",
    [
        f'{{"update_id": 7, "message": {{"text": "{PERSONAL}"',  # cut short
        f"name={PERSONAL}".encode(),
        b"\xff\xfe" + PERSONAL.encode("utf-16-le"),
    ],
    ids=["truncated-json", "form-body", "not-utf8"],
)
async def test_a_body_that_is_not_json_is_400_and_not_logged(
    webhook: tuple[TestClient, list[str]], caplog: pytest.LogCaptureFixture, body: str | bytes
) -> None:
    client, handled = webhook
    with caplog.at_level(logging.DEBUG):
        response = await client.post("/telegram", data=body, headers=HEADERS)

    assert response.status == 400
    assert handled == []
    assert_nothing_personal_logged(caplog)
    assert any("not JSON" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("body", [[PERSONAL], {"name": PERSONAL}, {"update_id": "7", "name": PERSONAL}, PERSONAL])
async def test_json_without_an_update_id_is_400_and_not_logged(
    webhook: tuple[TestClient, list[str]], caplog: pytest.LogCaptureFixture, body: object
) -> None:
    client, handled = webhook
    with caplog.at_level(logging.DEBUG):
        response = await client.post("/telegram", data=json.dumps(body), headers=HEADERS)

    assert response.status == 400
    assert handled == []
    assert_nothing_personal_logged(caplog)


async def test_an_update_that_does_not_validate_is_dropped_with_its_id_and_error_type_logged(
    webhook: tuple[TestClient, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    client, handled = webhook
    broken = update(7, PERSONAL)
    broken["message"]["chat"]["id"] = PERSONAL  # type: ignore[index]

    with caplog.at_level(logging.DEBUG):
        response = await client.post("/telegram", data=json.dumps(broken), headers=HEADERS)

    # 200: it came from Telegram (it had the secret) and a retry could only fail the same way.
    assert response.status == 200
    assert handled == []
    assert_nothing_personal_logged(caplog)
    [line] = [record.getMessage() for record in caplog.records if record.name == "bot.webhook"]
    assert "update 7" in line and "ValidationError" in line


async def test_a_good_update_is_still_handled_and_a_wrong_secret_still_refused(
    webhook: tuple[TestClient, list[str]],
) -> None:
    client, handled = webhook
    wrong = {**HEADERS, "X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}
    forged = await client.post("/telegram", data=json.dumps(update(8, "hello")), headers=wrong)
    good = await client.post("/telegram", data=json.dumps(update(9, "hello")), headers=HEADERS)

    assert forged.status == 401
    assert good.status == 200
    assert handled == ["hello"]
