"""Starts the sandbox: the emulator, the real bot process talking to it, the people, and the chat page."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shutil
import signal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.db.repositories.users import UserRepository
from bot.family.service import Relation, add_member
from bot.organizations.admin.service import change_hr, create_organization
from bot.organizations.service import invite_link
from bot.registration.service import submit_declaration
from bot.roles.service import RoleName, grant_role

from .emulator import FakeTelegram
from .miniapp import WEBAPP_PATH
from .miniapp import add_routes as add_miniapp_routes
from .people import CHILD_ANSWERS, PARENT_ANSWERS, PEOPLE, SandboxRole, with_role
from .process import TIMEZONE, BotProcess, free_port
from .web import create_app

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "7000000000:sandbox-token-works-only-with-the-local-emulator"
SANDBOX_BOT_USERNAME = "health_code_sandbox_bot"
SANDBOX_BOT_NAME = "Health Code Bot"
ORGANIZATION_NAMES = ("Ningbo Institute of Technology", "宁波理工学院")
DEFAULT_PORT = 8000
MARKER = ".health-code-sandbox"


class SandboxError(Exception):
    """The sandbox cannot start; the message is one line for the person starting it."""


@dataclass(frozen=True, slots=True)
class SandboxLink:
    label: str
    url: str


class SandboxClock:
    """The bot's "now": the real time plus whole days the page skipped ahead, written to the bot's CLOCK_FILE."""

    def __init__(self, bot: BotProcess) -> None:
        self._bot = bot
        self.offset_days = 0

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(days=self.offset_days)

    def write(self) -> None:
        self._bot.set_clock(self.now())

    def skip(self, days: int) -> None:
        self.offset_days += days
        self.write()

    async def keep_ticking(self) -> None:
        # The bot reads the file on every "now"; rewriting it each second keeps its time flowing.
        while True:
            self.write()
            await asyncio.sleep(1)


class Sandbox:
    """The whole sandbox in one object, so `python -m bot sandbox` and the browser tests start the same thing."""

    def __init__(
        self,
        data_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        database_url: str | None = None,
    ) -> None:
        # Absolute: the bot process runs inside this folder.
        self.data_dir = data_dir.resolve()
        self.host = host
        self.port = port
        self.database_url = database_url or f"sqlite+aiosqlite:///{data_dir / 'sandbox.sqlite3'}"
        self.fake = FakeTelegram(SANDBOX_TOKEN, SANDBOX_BOT_USERNAME, bot_first_name=SANDBOX_BOT_NAME)
        self.people = PEOPLE
        self.links: list[SandboxLink] = []
        self.bot: BotProcess | None = None
        self.clock: SandboxClock | None = None
        # The bot serves its Mini App on a port of its own (polling mode); the page frames it through its own.
        self.webapp_port: int | None = None
        self.webapp_url: str | None = None
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def start(self) -> None:
        # The page's port first: when it is taken, most often by a sandbox already running on this folder,
        # nothing has been touched yet, least of all that sandbox's folder.
        app = create_app(self)
        add_miniapp_routes(app)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        if self.port == 0:
            self.port = self._runner.addresses[0][1]
        self.webapp_port = free_port()
        # The public address the bot puts on its web_app buttons: this page, which plays Telegram's app.
        loopback = self.host in ("0.0.0.0", "::")
        self.webapp_url = (
            f"http://127.0.0.1:{self.port}{WEBAPP_PATH}" if loopback else self.url.rstrip("/") + WEBAPP_PATH
        )
        self._fresh_data_dir()
        await self.fake.start()
        for person in self.people:
            self.fake.add_user(person.user)
        await asyncio.to_thread(upgrade, self.database_url)
        await self._seed()
        # The bot runs in the sandbox folder, so a .env beside the project (a real token, a webhook) never applies.
        self.bot = BotProcess(
            self.fake,
            self.database_url,
            self.data_dir,
            code_secret=secrets.token_urlsafe(32),
            now=datetime.now(UTC),
            admin_ids=[with_role(SandboxRole.ADMIN).id],
            cwd=self.data_dir,
            extra_env={
                "WEBAPP_URL": self.webapp_url,
                "WEBAPP_HOST": "127.0.0.1",
                "WEBAPP_PORT": str(self.webapp_port),
                "WEBAPP_FRAME_ANCESTORS": self.url.rstrip("/"),
            },
        )
        self.clock = SandboxClock(self.bot)
        await self.bot.start()
        self._ticker = asyncio.create_task(self.clock.keep_ticking())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._runner is not None:
            await self._runner.cleanup()
        if self.bot is not None:
            await self.bot.stop()
        await self.fake.stop()

    async def __aenter__(self) -> Sandbox:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def skip_days(self, days: int) -> None:
        assert self.clock is not None
        self.clock.skip(days)

    def _fresh_data_dir(self) -> None:
        """The emulator keeps chats in memory, so a database left from a previous run would not match them.

        Only a folder the sandbox made itself (it holds the marker file) is ever emptied.
        """
        marker = self.data_dir / MARKER
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            if not marker.exists():
                raise SandboxError(f"{self.data_dir} holds files the sandbox did not make; choose another folder")
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text("This folder belongs to the sandbox (python -m bot sandbox); it is emptied at each start.\n")

    async def _seed(self) -> None:
        """What an administrator would have done on day one: an organization with an HR officer, a staff member, a reviewer of appeals."""
        admin = with_role(SandboxRole.ADMIN).id
        now = datetime.now(UTC)
        engine = create_engine(self.database_url, pool_size=1)
        try:
            sessions = create_session_factory(engine)
            async with sessions() as session:
                organization = await create_organization(session, admin, [admin], *ORGANIZATION_NAMES, now)
                assert organization is not None
            async with sessions() as session:
                await change_hr(session, admin, [admin], organization.id, with_role(SandboxRole.HR).id, True, now)
            async with sessions() as session:
                await grant_role(session, admin, [admin], with_role(SandboxRole.STAFF).id, RoleName.STAFF, now)
            async with sessions() as session:
                await grant_role(session, admin, [admin], with_role(SandboxRole.REVIEWER).id, RoleName.REVIEWER, now)
            await _seed_family(sessions, now)
        finally:
            await engine.dispose()
        self.links = [
            SandboxLink(
                f"Invite to {ORGANIZATION_NAMES[0]}",
                invite_link(SANDBOX_BOT_USERNAME, organization.invite_code),
            )
        ]


async def _seed_family(sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    """The parent, registered as if through the form, and their child added from /family."""
    parent = with_role(SandboxRole.PARENT)
    async with sessions() as session:
        await UserRepository(session).add_if_missing(
            parent.id, secrets.randbits(63), parent.user.language_code or "en", now, parent.user.username
        )
        await session.commit()
    async with sessions() as session:
        await submit_declaration(session, parent.id, dict(PARENT_ANSWERS), now, ZoneInfo(TIMEZONE))
    async with sessions() as session:
        await add_member(session, parent.id, Relation.CHILD, dict(CHILD_ANSWERS), now, ZoneInfo(TIMEZONE))


async def serve(data_dir: Path, host: str, port: int) -> None:
    """Run the sandbox until interrupted (Ctrl+C, or SIGTERM as from `kill` or a service manager)."""
    # One line per Bot API request would bury the address of the page.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    async with Sandbox(data_dir, host=host, port=port) as sandbox:
        print(f"Sandbox ready: open {sandbox.url} in a browser (Ctrl+C stops it).", flush=True)
        print(f"The bot's log is {sandbox.data_dir / 'bot.log'}; everything starts afresh each run.", flush=True)
        terminated = asyncio.Event()
        # SIGTERM's default would end this process at once and leave the bot process it started running.
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, terminated.set)
        await terminated.wait()
