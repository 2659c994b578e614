"""`python -m bot` runs the bot; `python -m bot migrate` only applies the database migrations."""

from __future__ import annotations

import asyncio
import logging
import sys

from bot.app import run
from bot.clock import clock_for
from bot.config import ConfigError, load_settings
from bot.db.migrate import upgrade

USAGE = "usage: python -m bot [run|migrate]"


def configure_logging(level: str) -> None:
    """LOG_LEVEL applies to the bot's own loggers; libraries stay at INFO, because at DEBUG some of them
    (aiosqlite, asyncpg) log statement parameters, and parameters are personal data."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("bot").setLevel(level.upper())


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "run"
    if command not in {"run", "migrate"}:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        if command == "run":
            settings.require_token()
        upgrade(settings.effective_database_url)
        if command == "migrate":
            return 0
        asyncio.run(run(settings, clock_for(settings.clock_file)))
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
