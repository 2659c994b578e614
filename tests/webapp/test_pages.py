"""The pages and their files: served as they are, never listed, and every /app answer carries strict headers."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import webapp_context
from bot.i18n import create_i18n
from bot.webapp.server import create_app
from tests.inprocess import Harness
from tests.webapp.conftest import WebApp

CSP = (
    "default-src 'self'; script-src 'self' https://telegram.org; img-src 'self' data:; "
    "frame-ancestors https://web.telegram.org https://*.telegram.org"
)


def assert_strict(headers: Mapping[str, str]) -> None:
    assert headers.get("Content-Security-Policy") == CSP
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") == "no-referrer"


@pytest.mark.parametrize(
    ("path", "page"), [("/app", "code.html"), ("/app/scan", "scan.html"), ("/app/static/code.html", "code.html")]
)
async def test_the_pages_are_served_with_strict_headers(webapp: WebApp, path: str, page: str) -> None:
    response = await webapp.client.get(path)
    assert response.status == 200
    assert response.content_type == "text/html"
    assert "<html" in await response.text()
    assert_strict(response.headers)


@pytest.mark.parametrize("path", ["/app/static/", "/app/static/../server.py", "/app/static/%2e%2e/server.py", "/app/x"])
async def test_no_listing_and_nothing_outside_the_static_folder(webapp: WebApp, path: str) -> None:
    response = await webapp.client.get(path)
    assert response.status in (403, 404)
    assert "server.py" not in await response.text()
    assert_strict(response.headers)


@pytest.mark.parametrize("path", ["/app/api/code", "/app/api/verify", "/app/api/checkpoint"])
async def test_api_answers_are_never_cached_and_only_posted(webapp: WebApp, path: str) -> None:
    response = await webapp.client.post(path, json={})
    assert response.status == 401
    assert response.headers["Cache-Control"] == "no-store"
    assert_strict(response.headers)
    response = await webapp.client.get(path)
    assert response.status == 405
    assert_strict(response.headers)


async def test_a_body_larger_than_any_request_is_refused_unread(webapp: WebApp) -> None:
    response = await webapp.client.post("/app/api/code", data=b"{" + b" " * 100_000 + b"}")
    assert response.status == 413
    assert_strict(response.headers)


async def test_the_sandbox_page_may_frame_it_when_named(harness: Harness) -> None:
    harness.dispatcher["webapp_frame_ancestors"] = ("http://127.0.0.1:8000",)
    context = webapp_context(harness.dispatcher, harness.bot, harness.sessions, create_i18n())
    client = TestClient(TestServer(create_app(context)))
    await client.start_server()
    try:
        response = await client.get("/app")
        assert response.headers["Content-Security-Policy"].endswith(
            "frame-ancestors https://web.telegram.org https://*.telegram.org http://127.0.0.1:8000"
        )
    finally:
        await client.close()
