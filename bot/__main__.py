"""`python -m bot` runs the bot; `python -m bot migrate` only applies the database migrations."""

from __future__ import annotations

import asyncio
import logging
import sys

from bot.app import run
from bot.config import ConfigError, load_settings
from bot.db.migrate import upgrade

USAGE = "usage: python -m bot [run|migrate]"


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "run"
    if command not in {"run", "migrate"}:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        if command == "run":
            settings.require_token()
        upgrade(settings.effective_database_url)
        if command == "migrate":
            return 0
        asyncio.run(run(settings))
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
