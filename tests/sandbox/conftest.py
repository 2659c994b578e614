"""The whole sandbox (emulator, real bot process, chat page) started as `python -m bot sandbox` starts it,
on each test database backend."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from bot.db.engine import create_engine
from bot.db.models import Base
from bot.sandbox.runner import Sandbox

LOG_TAIL = 6000
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", ROOT / "test-artifacts" / "screenshots"))
# Without the background-networking switches Chromium keeps calling Google, which this network refuses.
CHROMIUM_SWITCHES = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is not installed: run `make browser` (Debian's chromium package)")
    return found


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, driven by Playwright (which downloads no browser), for the chat page and the Mini App."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_SWITCHES)
        yield launched
        await launched.close()


@dataclass
class ChatPage:
    """The sandbox's chat page in a browser tab; errors in its scripts (and its frames') are collected."""

    page: Page
    folder: Path  # this test's screenshots, kept after the run so a failure can be looked at
    errors: list[str] = field(default_factory=list)


@asynccontextmanager
async def chat_page(
    browser: Browser, sandbox: Sandbox, request: pytest.FixtureRequest, **context_options: Any
) -> AsyncIterator[ChatPage]:
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    context = await browser.new_context(**context_options)
    page = await context.new_page()
    opened = ChatPage(page, folder)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    await page.goto(sandbox.url)
    await expect(page.locator(".person")).to_have_count(len(sandbox.people))
    try:
        yield opened
    finally:
        await context.close()
        print(f"screenshots: {folder}")
    assert not opened.errors, f"errors in the page's script: {opened.errors}"


@asynccontextmanager
async def running_sandbox(data_dir: Path, database_url: str) -> AsyncIterator[Sandbox]:
    # Port 0: tests run side by side with a sandbox someone has open on the default port.
    async with Sandbox(data_dir, port=0, database_url=database_url) as started:
        try:
            yield started
        finally:
            print_bot_log(started)


def print_bot_log(sandbox: Sandbox) -> None:
    # pytest shows a test's output only when it fails, so this is the bot's side of a failure.
    if sandbox.bot is not None:
        print(f"--- bot log (tail) ---\n{sandbox.bot.log()[-LOG_TAIL:]}")


@pytest.fixture
async def sandbox(clean_database: str, tmp_path: Path) -> AsyncIterator[Sandbox]:
    """A fresh sandbox for one test: its own people's chats, organization and clock."""
    async with running_sandbox(tmp_path / "sandbox", clean_database) as started:
        yield started


@pytest.fixture(scope="module")
async def _module_sandbox(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Sandbox]:
    # Starting the bot process takes seconds; tests that each keep to their own person can share one.
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())
    finally:
        await engine.dispose()
    async with Sandbox(tmp_path_factory.mktemp("sandbox") / "sandbox", port=0, database_url=database_url) as started:
        yield started


@pytest.fixture
def shared_sandbox(_module_sandbox: Sandbox) -> Iterator[Sandbox]:
    """One sandbox for every test of a module: a test must act only as people no other test of the module
    acts as, and judge the rest by what changed while it ran."""
    yield _module_sandbox
    print_bot_log(_module_sandbox)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A client as another program on this machine would be: the page's API judges it by its headers alone."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


def same_origin(sandbox: Sandbox) -> dict[str, str]:
    """The Origin the chat page's own requests carry."""
    return {"Origin": sandbox.url.rstrip("/")}
