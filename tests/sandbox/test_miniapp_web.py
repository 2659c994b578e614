"""The sandbox as Telegram's app for the Mini App, over HTTP: the initData it signs, what it refuses, and the
bot's pages passed through its origin with only the two changes it owns (the stand-in script, the framing)."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest
from aiogram.utils.web_app import safe_parse_webapp_init_data

from bot.sandbox.miniapp import STAND_IN_SCRIPT, TELEGRAM_SCRIPT
from bot.sandbox.people import SandboxRole, with_role
from bot.sandbox.runner import Sandbox
from tests.sandbox.conftest import same_origin

pytestmark = pytest.mark.e2e

HR = with_role(SandboxRole.HR)  # opens the Mini App without a code of her own


async def test_a_web_app_button_opens_its_page_with_init_data_signed_as_telegram_does(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    sandbox = shared_sandbox
    assert sandbox.webapp_url is not None and sandbox.clock is not None
    async with http.get(f"{sandbox.url}api/state") as response:
        assert (await response.json())["webapp_url"] == sandbox.webapp_url
    async with http.post(
        f"{sandbox.url}api/chats/{HR.id}/webapp",
        json={"url": sandbox.webapp_url + "/scan"},
        headers=same_origin(sandbox),
    ) as response:
        assert response.status == 200
        opened = await response.json()
    assert opened["path"] == "/app/scan"
    parsed = safe_parse_webapp_init_data(sandbox.fake.token, opened["init_data"])
    assert parsed.user is not None and parsed.user.id == HR.id and parsed.user.language_code == "en"
    # Signed at the bot's now, which the page may have moved days ahead: fresh by the bot's own check.
    assert abs(parsed.auth_date - sandbox.clock.now()) < timedelta(seconds=5)

    # Through this origin, the bot's API knows her by it; she has no code, and is told so.
    async with http.post(
        f"{sandbox.url}app/api/code", json={"init_data": opened["init_data"]}, headers=same_origin(sandbox)
    ) as response:
        assert response.status == 200
        answer = await response.json()
    assert answer["holders"] == [] and answer["message"]
    assert answer["texts"]["scan"] and response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/app", "http://127.0.0.1:1/app", "{webapp}x", "{webapp}/../api/state", "", None, 7],
)
async def test_only_this_bots_mini_app_is_opened(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession, url: object
) -> None:
    sandbox = shared_sandbox
    assert sandbox.webapp_url is not None
    if isinstance(url, str):
        url = url.format(webapp=sandbox.webapp_url)
    async with http.post(
        f"{sandbox.url}api/chats/{HR.id}/webapp", json={"url": url}, headers=same_origin(sandbox)
    ) as response:
        assert response.status == 400
        assert "init_data" not in await response.text()


async def test_no_other_site_can_have_initdata_signed(shared_sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    sandbox = shared_sandbox
    body = {"url": sandbox.webapp_url}
    async with http.post(f"{sandbox.url}api/chats/{HR.id}/webapp", json=body) as response:
        assert response.status == 403
    foreign = {"Origin": "http://evil.example"}
    async with http.post(f"{sandbox.url}api/chats/{HR.id}/webapp", json=body, headers=foreign) as response:
        assert response.status == 403
        assert "init_data" not in await response.text()


@pytest.mark.parametrize("path", ["app", "app/scan"])
async def test_the_pages_come_through_with_the_stand_in_and_framed_here_only(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession, path: str
) -> None:
    async with http.get(f"{shared_sandbox.url}{path}") as response:
        assert response.status == 200
        page = await response.text()
        headers = response.headers
    assert STAND_IN_SCRIPT in page and TELEGRAM_SCRIPT not in page
    policy = [part.strip() for part in headers["Content-Security-Policy"].split(";")]
    assert policy[-1] == "frame-ancestors 'self'"
    assert "script-src 'self' https://telegram.org" in policy and "default-src 'self'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"


async def test_a_forged_init_data_through_the_sandbox_is_refused_as_by_the_bot(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    for init_data in ("", "user=%7B%22id%22%3A700000004%7D&auth_date=1&hash=00", None):
        async with http.post(
            f"{shared_sandbox.url}app/api/verify",
            json={"init_data": init_data, "code": "x"},
            headers=same_origin(shared_sandbox),
        ) as response:
            assert response.status == 401
            assert await response.json() == {"error": "unauthorized"}
