"""How the Mini App is served: its own loopback server in polling mode, the settings that turn it on, the
throttle it shares with the chat, and the chat's metrics that count its scans."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_webhook_app, webapp_context
from bot.config import ConfigError, load_settings
from bot.i18n import create_i18n
from bot.metrics import create_metrics
from bot.sandbox.emulator import FakeUser
from bot.sandbox.process import free_port
from bot.verification.throttle import LIMIT
from bot.webapp.server import create_app, serve_alone
from tests.inprocess import Harness
from tests.webapp.conftest import HOLDER, STAFF, WebApp, add_staff, init_data


async def test_polling_mode_serves_it_on_its_own_loopback_server(harness: Harness) -> None:
    port = free_port()
    runner = await serve_alone(
        webapp_context(harness.dispatcher, harness.bot, harness.sessions, create_i18n()), "127.0.0.1", port
    )
    try:
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{port}/app/scan") as page:
                assert page.status == 200
                assert page.headers["X-Content-Type-Options"] == "nosniff"
            async with client.post(f"http://127.0.0.1:{port}/app/api/verify", json={"code": "x"}) as api:
                assert (api.status, await api.json()) == (401, {"error": "unauthorized"})
    finally:
        await runner.cleanup()


def test_the_settings_that_turn_it_on() -> None:
    settings = load_settings(_env_file=None, webapp_url="https://bot.example.org/app/")
    assert (settings.webapp_url, settings.webapp_host, settings.webapp_port) == (
        "https://bot.example.org/app",
        "127.0.0.1",
        8081,
    )
    assert load_settings(_env_file=None).webapp_url is None
    with pytest.raises(ConfigError, match="WEBAPP_URL is invalid"):
        load_settings(_env_file=None, webapp_url="bot.example.org/app")


async def test_many_forged_scans_are_slowed_down_like_the_chats(webapp: WebApp) -> None:
    await add_staff(webapp.harness.sessions, STAFF)
    token = await webapp.add_holder(HOLDER)
    for _ in range(LIMIT):
        status, answer = await webapp.post("/app/api/verify", STAFF, code=token[:-3] + "AAA")
        assert (status, answer["verdict"]) == (200, "not_valid")
    status, answer = await webapp.post("/app/api/verify", STAFF, code=token)
    assert status == 429
    assert answer["error"] == "throttled"
    assert "seconds" in answer["detail"]
    # The chat shares the count: /verify is slowed down too.
    staff = FakeUser(id=STAFF, first_name="Sam", language_code="en")
    webapp.harness.fake.add_user(staff)
    calls = await webapp.harness.send(staff, f"/verify {token}")
    assert any("Too many codes" in str(call.params.get("text")) for call in calls)


async def test_scans_count_among_the_verifications_by_verdict(harness: Harness) -> None:
    metrics = create_metrics()
    harness.dispatcher["metrics"] = metrics
    client = TestClient(
        TestServer(create_app(webapp_context(harness.dispatcher, harness.bot, harness.sessions, create_i18n())))
    )
    await client.start_server()
    try:
        webapp = WebApp(client, harness)
        token = await webapp.add_holder(HOLDER)
        await add_staff(harness.sessions, STAFF)
        await webapp.post("/app/api/verify", STAFF, code=token)
        await webapp.post("/app/api/verify", STAFF, code="forged")
        await webapp.post("/app/api/verify", HOLDER, code=token)
    finally:
        await client.close()
    scrape = metrics.exposition().decode()
    for verdict in ("ok", "malformed", "not_staff"):
        assert f'healthcode_verifications_total{{verdict="{verdict}"}} 1.0' in scrape


async def test_webhook_mode_serves_it_beside_the_webhook_with_headers_on_its_answers_only(harness: Harness) -> None:
    settings = load_settings(
        webhook_url="https://bot.example.org/telegram",
        webhook_secret="s3cret",
        webapp_url="https://bot.example.org/app",
        _env_file=None,
    )
    engine = harness.sessions.kw["bind"]
    app = create_webhook_app(settings, harness.dispatcher, harness.bot, engine, harness.sessions)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        page = await client.get("/app")
        assert page.status == 200
        assert "frame-ancestors https://web.telegram.org" in page.headers["Content-Security-Policy"]
        signed = init_data(harness.bot.token, STAFF, harness.now[0])
        reply = await client.post("/app/api/verify", json={"init_data": signed, "code": "x"})
        assert (reply.status, await reply.json()) == (403, {"error": "forbidden"})
        webhook = await client.post("/telegram", json={})
        assert webhook.status == 401
        assert "Content-Security-Policy" not in webhook.headers
    finally:
        await client.close()
