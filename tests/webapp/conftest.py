"""The Mini App's server over real HTTP (aiohttp's test server), on the dispatcher the chat runs: the same
clock, keys, roles and throttle; initData signed exactly as Telegram signs it, with the bot's token."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.accounts import Account
from bot.app import code_settings_for, create_dispatcher, webapp_context
from bot.codes.service import current_code
from bot.config import Settings
from bot.db.models import Declaration, Role, User
from bot.i18n import create_i18n
from bot.sandbox.emulator import FakeUser
from bot.status.service import reassess
from bot.webapp.server import create_app
from tests.inprocess import ADMIN, NOW, Harness
from tests.stories import answers

STAFF = 4001
OTHER_STAFF = 4002
HOLDER = 4101
RED_HOLDER = 4102
STRANGER = 4201


def init_data(token: str, user_id: int, auth_date: datetime, language: str = "en", **extra: str) -> str:
    """What Telegram hands a Mini App: the fields, and a hash keyed by HMAC("WebAppData", bot token)."""
    fields = {
        "auth_date": str(int(auth_date.timestamp())),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": "Test", "language_code": language}),
        **extra,
    }
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


@dataclass
class WebApp:
    client: TestClient
    harness: Harness

    def signed(self, user_id: int, language: str = "en", age: timedelta = timedelta(minutes=1)) -> str:
        return init_data(self.harness.bot.token, user_id, self.harness.now[0] - age, language)

    async def add_holder(self, user_id: int, language: str = "en", **changes: Any) -> str:
        return await add_holder(self.harness, user_id, language, **changes)

    async def post(self, path: str, user_id: int | None, **body: Any) -> tuple[int, dict[str, Any]]:
        if user_id is not None:
            body.setdefault("init_data", self.signed(user_id))
        response = await self.client.post(path, json=body)
        return response.status, await response.json()


@pytest.fixture
async def webapp(harness: Harness) -> AsyncIterator[WebApp]:
    context = webapp_context(harness.dispatcher, harness.bot, harness.sessions, create_i18n())
    client = TestClient(TestServer(create_app(context)))
    await client.start_server()
    try:
        yield WebApp(client, harness)
    finally:
        await client.close()


async def add_holder(harness: Harness, user_id: int, language: str = "en", **changes: Any) -> str:
    """A person who declared (green unless `changes` say otherwise) and opened their code: its token."""
    harness.fake.add_user(FakeUser(id=user_id, first_name="Li", language_code=language))
    sessions = harness.sessions
    zone = harness.dispatcher["zone"]
    async with sessions() as session:
        session.add(
            User(
                id=user_id,
                public_id=user_id * 7,
                language=language,
                privacy_accepted_at=NOW,
                created_at=NOW,
                display_name="Li Hua",
            )
        )
        await session.flush()
        data = {**answers(**changes), "declared_on": NOW.astimezone(zone).date().isoformat()}
        row = Declaration(user_id=user_id, answers=data, declared_at=NOW)
        session.add(row)
        await session.flush()
        await reassess(session, user_id, NOW, zone, cause="declaration", declaration_id=row.id)
        await session.commit()
        account = Account(id=user_id, public_id=user_id * 7, language=language)
        shown = await current_code(session, account, language, NOW, zone, harness.dispatcher["code_settings"])
    assert shown is not None
    return shown.code.token


async def add_staff(sessions: async_sessionmaker[AsyncSession], user_id: int) -> None:
    async with sessions.begin() as session:
        session.add(Role(user_id=user_id, role="staff", granted_by=0, granted_at=NOW))


WEBAPP_URL = "https://bot.example.org/app"


@pytest.fixture
def chat_with_webapp(harness: Harness) -> Harness:
    """The chat as it runs with WEBAPP_URL set: the same harness, its dispatcher built with the Mini App's address."""
    settings = Settings(
        admin_ids=frozenset({ADMIN.id}),
        timezone="Asia/Shanghai",
        webapp_url=WEBAPP_URL,
        code_secret="test secret",
        _env_file=None,
    )
    harness.dispatcher = create_dispatcher(
        settings=settings,
        session_factory=harness.sessions,
        storage=MemoryStorage(),
        events_isolation=SimpleEventIsolation(),
        i18n=create_i18n(),
        code_settings=code_settings_for(settings, "health_code_test_bot"),
        clock=lambda: harness.now[0],
    )
    return harness
