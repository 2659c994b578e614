"""Settings from the environment or a `.env` file, with one-line errors that name the setting."""

from __future__ import annotations

import os
import secrets
from datetime import time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.broadcast.limits import CEILING as FREE_CEILING
from bot.broadcast.limits import PAID_CEILING
from bot.data_files import (
    UnusableFolder,
    database_files,
    exposed,
    make_private_folder,
    require_writable_folder,
    sqlite_path,
)

DEFAULT_DATA_DIR = Path("data")
TELEGRAM_API_URL = "https://api.telegram.org"


MISSING_TOKEN_HELP = (
    "BOT_TOKEN is not set. In Telegram, open @BotFather, send /newbot and follow its questions; it answers with "
    "a token like 123456789:AAE... Put it in a file named .env in this folder as the line BOT_TOKEN=<your token> "
    "(or export BOT_TOKEN=<your token>), then run `make run` again."
)


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line meant for the person starting the bot."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    telegram_api_url: str = TELEGRAM_API_URL
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Asia/Shanghai"
    code_secret: SecretStr | None = None
    redis_url: str | None = None
    log_level: str = "INFO"
    # "text" for people reading, "json" (one object a line) for a log collector.
    log_format: str = "text"
    # Polling mode's /metrics server (webhook mode serves /metrics on the webhook server): off unless a
    # port is set; loopback by default, as the metrics describe the deployment to whoever reads them.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # The Mini App's public HTTPS address (behind the same reverse proxy as the webhook), e.g.
    # https://bot.example.org/app; unset, the chat works without it. In polling mode it is served on a small
    # server of its own at WEBAPP_HOST:WEBAPP_PORT (loopback: the proxy in front is what the public reaches).
    webapp_url: str | None = None
    webapp_host: str = "127.0.0.1"
    webapp_port: int = Field(default=8081, ge=1, le=65535)
    # Origins besides Telegram's that may show the Mini App in a frame, space-separated: the sandbox's chat page.
    webapp_frame_ancestors: str = ""
    retention_days: int = Field(default=60, ge=1, le=3650)
    # Hours a reviewer has to decide an appeal against a colour (one province promised 24).
    appeal_hours: int = Field(default=24, ge=1, le=24 * 14)
    # Reminders per second, all chats together; Telegram allows about 30 to different chats, and up to
    # 1,000 with paid broadcasts.
    broadcast_rate: float = Field(default=25, gt=0, le=PAID_CEILING)
    # Paid broadcasts (Bot API 7.11): stored reminders and notices go with allow_paid_broadcast, which lets
    # BROADCAST_RATE go above 30 (up to 1,000) at 0.1 Star a message beyond the free 30/s.
    broadcast_paid: bool = False
    # A person's own check-in reminder, local times in TIMEZONE: the default one (while not green, until
    # they choose with /remindme), and the evening warning before a missed day would restart their count.
    reminder_default_at: time = time(9, 0)
    evening_warning_at: time = time(20, 0)
    # For trying the bot through days and weeks (tests, the sandbox): a file whose content, an ISO
    # date and time, is taken as the current moment. Never set it in production.
    clock_file: Path | None = None

    @model_validator(mode="after")
    def _free_rate_unless_paid(self) -> Settings:
        if self.broadcast_rate > FREE_CEILING and not self.broadcast_paid:
            raise ValueError(
                f"BROADCAST_RATE={self.broadcast_rate:g} is above Telegram's free {FREE_CEILING} messages a second; "
                "lower it, or set BROADCAST_PAID=true to pay for paid broadcasts (0.1 Star a message beyond 30/s)"
            )
        return self

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        bot_id, _, key = value.get_secret_value().partition(":")
        if not bot_id.isdigit() or not key:
            raise ValueError("expected the form 123456789:AAE..., as @BotFather gives it")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            try:
                return frozenset(int(part) for part in parts if part)
            except ValueError:
                raise ValueError("expected Telegram user ids separated by commas, e.g. 12345,67890") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value.lower() not in {"text", "json"}:
            raise ValueError("use text or json")
        return value.lower()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone; use an IANA name such as Asia/Shanghai") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_driver(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path.sqlite3 or postgresql+asyncpg://user@host/db")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https_webhook(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be the full public URL, e.g. https://bot.example.org/telegram")
        return value or None

    @field_validator("webapp_url")
    @classmethod
    def _webapp_address(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be the full public URL of the Mini App, e.g. https://bot.example.org/app")
        return value.rstrip("/") or None if value else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'healthcode.sqlite3'}"

    @property
    def webhook_mode(self) -> bool:
        return self.webhook_url is not None

    @property
    def uses_data_dir(self) -> bool:
        """DATA_DIR holds the SQLite database unless DATABASE_URL names another, and the code key unless
        CODE_SECRET is set; with both set elsewhere the bot writes nothing there."""
        return not self.database_url or self.code_secret is None

    def private_paths(self) -> list[Path]:
        """The folders and files holding personal data or keys, for the start-up check of their modes."""
        paths = [self.data_dir, self.data_dir / "code_secret"] if self.uses_data_dir else []
        database = sqlite_path(self.effective_database_url)
        if database is not None:
            paths.extend(path for path in [database.parent, *database_files(database)] if path not in paths)
        return paths

    def require_token(self) -> str:
        if self.bot_token is None:
            raise ConfigError(MISSING_TOKEN_HELP)
        return self.bot_token.get_secret_value()

    def code_secrets(self) -> list[str]:
        """The signing secrets: the first signs new codes, the others still verify codes they signed.

        CODE_SECRET may list several, separated by commas, to rotate the key without invalidating the
        codes people hold (they expire within a day). Without it, one secret is generated once and kept
        under the data directory.
        """
        if self.code_secret is not None:
            secrets_ = [part.strip() for part in self.code_secret.get_secret_value().split(",")]
            if not all(secrets_):
                raise ConfigError("CODE_SECRET: an empty secret in the list; separate secrets with single commas")
            return secrets_
        return [_stored_secret(self.data_dir / "code_secret")]


def _stored_secret(path: Path) -> str:
    if path.exists():
        secret = path.read_text(encoding="utf-8").strip()
        if not secret:
            raise ConfigError(f"CODE_SECRET is not set and {path} is empty: delete that file to make a new key")
        return secret
    make_private_folder(path.parent)
    secret = secrets.token_urlsafe(32)
    # Created with owner-only permissions: the key signs every code this deployment issues.
    with open(path, "x", encoding="utf-8", opener=lambda p, flags: os.open(p, flags, 0o600)) as handle:
        handle.write(secret)
    return secret


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning pydantic's report into one line that names the first bad setting."""
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        if first["type"] == "missing":
            raise ConfigError(f"{name} is not set") from None
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name} is invalid: {message}") from None
    if settings.webhook_url and settings.webhook_secret is None:
        raise ConfigError("WEBHOOK_SECRET is not set: webhook mode needs it to reject requests not from Telegram")
    if settings.webhook_secret is not None and not _valid_secret_token(settings.webhook_secret.get_secret_value()):
        raise ConfigError("WEBHOOK_SECRET is invalid: use 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return settings


def prepare_data_folders(settings: Settings) -> None:
    """Create the folders the bot writes to (owner-only) and check that it can write there.

    On a read-only or unwritable DATA_DIR the bot would otherwise fail deep inside SQLite or the key file
    with a traceback; this names the setting and the reason in one line (ConfigError).
    """
    if settings.uses_data_dir:
        try:
            require_writable_folder(settings.data_dir)
        except UnusableFolder as error:
            raise ConfigError(f"DATA_DIR is unusable: {error}") from None
    database = sqlite_path(settings.effective_database_url)
    if database is not None and (not settings.uses_data_dir or database.parent != settings.data_dir):
        try:
            require_writable_folder(database.parent)
        except UnusableFolder as error:
            raise ConfigError(f"DATABASE_URL is unusable: {error}") from None


def exposed_data(settings: Settings) -> list[str]:
    """The private folders and files that group or others may read or enter, as `path (mode)`."""
    return exposed(settings.private_paths())


def _valid_secret_token(value: str) -> bool:
    return 0 < len(value) <= 256 and all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in value)
